#!/bin/bash
# Share modes across two client connections (two session processes): an open
# with share mode 0 makes a second client's open fail with SHARING_VIOLATION.
. "$(dirname "$0")/lib.sh"
it_setup
echo "shared file" > "$T/share/sv.txt"
chmod 0666 "$T/share/sv.txt"
it_start_server
cat > "$T/sv.py" <<'PY'
import sys
from impacket.smbconnection import SMBConnection, SessionError
from impacket.smb3structs import FILE_READ_DATA
port, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def conn():
    c = SMBConnection('127.0.0.1', '127.0.0.1', sess_port=port, timeout=20)
    c.login(user, pw)
    return c, c.connectTree('share')
a, ta = conn()
b, tb = conn()
fa = a.openFile(ta, 'sv.txt', desiredAccess=FILE_READ_DATA, shareMode=0)
print("A: opened with share mode 0")
try:
    fb = b.openFile(tb, 'sv.txt', desiredAccess=FILE_READ_DATA, shareMode=7)
    print("B: opened (expected STATUS_SHARING_VIOLATION)")
    sys.exit(1)
except SessionError as e:
    print("B: 0x%08x %s" % (e.getErrorCode(), e.getErrorString()[0]))
    if e.getErrorCode() != 0xC0000043:
        sys.exit(1)
a.closeFile(ta, fa)
fb = b.openFile(tb, 'sv.txt', desiredAccess=FILE_READ_DATA, shareMode=7)
print("B: opened after A closed")
# Compatible modes coexist: both share read.
fa = a.openFile(ta, 'sv.txt', desiredAccess=FILE_READ_DATA, shareMode=1)
print("A: second open with FILE_SHARE_READ coexists")
a.closeFile(ta, fa)
b.closeFile(tb, fb)
# The share-mode entry disappears when the holder's connection dies.
fa = a.openFile(ta, 'sv.txt', desiredAccess=FILE_READ_DATA, shareMode=0)
a.close()
import time
for i in range(50):
    try:
        fb = b.openFile(tb, 'sv.txt', desiredAccess=FILE_READ_DATA, shareMode=7)
        print("B: opened after A disconnected")
        break
    except SessionError as e:
        if e.getErrorCode() != 0xC0000043:
            raise
        time.sleep(0.1)
else:
    print("B: still SHARING_VIOLATION 5 s after A disconnected")
    sys.exit(1)
PY
check_out "sharing violation between two clients" 'B: opened after A disconnected' \
  timeout 90 $PY "$T/sv.py" "$PORT" "$ALICE" "$ALICE_PW"
grep -q 'B: 0xc0000043' "$T/last.out" && pass "B got STATUS_SHARING_VIOLATION" || fail "B got STATUS_SHARING_VIOLATION"
it_done
