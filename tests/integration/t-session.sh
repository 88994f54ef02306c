#!/bin/bash
# Session lifetime with a real client (impacket, SMB 2.1 so the client keeps
# no keys of its own that a re-authentication would change):
#  - "session expiry": requests fail with STATUS_NETWORK_SESSION_EXPIRED after
#    the lifetime; re-authenticating on the same SessionId makes the session
#    (and its tree connect) usable again; re-authenticating as another user
#    succeeds as on Windows (smbtorture smb2.session.reauth2-4) and later
#    requests run as that user;
#  - reconnect: a new connection authenticating with PreviousSessionId ends
#    the same user's old session in the other smbd-session process (through
#    the master), but not a session of another user.
. "$(dirname "$0")/lib.sh"
it_setup
sed -i 's/^\tmap to guest = bad user/&\n\tsession expiry = 3/' "$CONF"
it_start_server

cat > "$T/session.py" <<'PY'
import sys, time
import impacket.smb3 as smb3
from impacket.smbconnection import SMBConnection, SessionError
from impacket.smb3structs import SMB2_DIALECT_21

port = int(sys.argv[1])
alice, alice_pw, bob, bob_pw = sys.argv[2:6]

# Lets a test put a PreviousSessionId into the next SESSION_SETUP requests.
Orig = smb3.SMB2SessionSetup
class WithPrevious(Orig):
    previous = 0
    def __init__(self, data=None):
        Orig.__init__(self, data)
        if data is None:
            self["PreviousSessionId"] = WithPrevious.previous
smb3.SMB2SessionSetup = WithPrevious

def connect(user, pw, previous=0):
    WithPrevious.previous = previous
    c = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=port, preferredDialect=SMB2_DIALECT_21, timeout=30)
    c.login(user, pw)
    WithPrevious.previous = 0
    return c

def status_of(fn):
    try:
        fn()
        return "OK"
    except SessionError as e:
        return "0x%08X" % (e.getErrorCode() & 0xFFFFFFFF)
    except Exception as e:
        return "EXC:" + type(e).__name__

def ls(c):
    return lambda: c.listPath("share", "*")

def sid(c):
    return c.getSMBServer()._Session["SessionID"]

old = connect(alice, alice_pw)
print("old-works", status_of(ls(old)))
other = connect(bob, bob_pw, previous=sid(old))     # another user: no effect
time.sleep(0.5)
print("old-after-other-user-reconnect", status_of(ls(old)))
new = connect(alice, alice_pw, previous=sid(old))   # same user: ends it
time.sleep(0.5)
print("old-after-reconnect", status_of(ls(old)))
print("new-works", status_of(ls(new)))

c = connect(alice, alice_pw)
print("before-expiry", status_of(ls(c)))
time.sleep(4)
print("after-expiry", status_of(ls(c)))
print("reauth", status_of(lambda: c.login(alice, alice_pw)))
print("after-reauth", status_of(ls(c)))
time.sleep(4)
print("reauth-other-user", status_of(lambda: c.login(bob, bob_pw)))
print("after-other-user", status_of(ls(c)))
import io
print("put-as-other-user", status_of(lambda: c.putFile("share", "by-reauth.txt", io.BytesIO(b"x").read)))

PY

out=$($PY "$T/session.py" "$PORT" "$ALICE" "$ALICE_PW" "$BOB" "$BOB_PW" 2>&1)
echo "$out" | sed 's/^/    /'
check_out "a fresh session works" '^before-expiry OK$' echo "$out"
check_out "after 'session expiry' requests get STATUS_NETWORK_SESSION_EXPIRED" \
  '^after-expiry 0xC000035C$' echo "$out"
check_out "re-authentication on the same SessionId succeeds" '^reauth OK$' echo "$out"
check_out "the re-authenticated session and its tree work again" '^after-reauth OK$' echo "$out"
check_out "re-authentication as another user succeeds" '^reauth-other-user OK$' echo "$out"
check_out "...and the session keeps working" '^after-other-user OK$' echo "$out"
check_out "...as the new user" '^put-as-other-user OK$' echo "$out"
check "a file created after it belongs to the new user" \
  test "$(stat -c %u "$T/share/by-reauth.txt" 2>/dev/null)" = "$BOB_UID"
check_out "another user's PreviousSessionId leaves the old session alone" \
  '^old-after-other-user-reconnect OK$' echo "$out"
check_out "the same user's PreviousSessionId ends the old session in its own process" \
  '^old-after-reconnect 0xC0000203$' echo "$out"
check_out "the new session works" '^new-works OK$' echo "$out"
it_done
