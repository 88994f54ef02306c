#!/bin/bash
# Hardened authentication: the failed-logon delay grows per client address
# and per account across connections (not only within one), parallel guesses
# are serialised, and a correct logon of another account is not slowed down
# meanwhile. Also: "restrict anonymous = 2" refuses anonymous IPC$ after a
# reload, while 0 allows it. Timings are measured with impacket (one new
# connection per attempt).
. "$(dirname "$0")/lib.sh"
it_setup
it_start_server

cat > "$T/attempts.py" <<'PY'
import sys, threading, time
from impacket.smbconnection import SMBConnection

port = int(sys.argv[1])
alice, alice_pw, bob, bob_pw = sys.argv[2:6]

def attempt(user, pw):
    t = time.monotonic()
    ok = False
    try:
        c = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=port, timeout=30)
        c.login(user, pw)
        ok = True
        c.logoff()
    except Exception:
        pass
    return ok, time.monotonic() - t

ok, base = attempt(bob, bob_pw)
print("bob-baseline ok=%s %.3f" % (ok, base))
# Sequential wrong passwords for alice, each on a fresh connection: with a
# per-connection delay only, every one would cost the same base delay.
times = []
for i in range(5):
    ok, dt = attempt(alice, "wrong-%d" % i)
    times.append(dt)
    print("alice-wrong-%d ok=%s %.3f" % (i, ok, dt))
print("first %.3f last %.3f" % (times[0], times[-1]))
print("GROWS" if times[-1] >= 1.5 and times[-1] > 2 * times[0] else "FLAT")

# Parallel guesses: 3 wrong attempts at once are answered one after another,
# and bob's correct logon started meanwhile is answered at once.
res = {}
def run(key, user, pw):
    res[key] = attempt(user, pw)
ths = [threading.Thread(target=run, args=("p%d" % i, alice, "par-%d" % i)) for i in range(3)]
t0 = time.monotonic()
for t in ths: t.start()
time.sleep(0.3)
ok, bob_dt = attempt(bob, bob_pw)
for t in ths: t.join()
wall = time.monotonic() - t0
par = sorted(res[k][1] for k in res)
print("parallel %s wall %.3f bob ok=%s %.3f" % (" ".join("%.3f" % p for p in par), wall, ok, bob_dt))
print("SERIAL" if par[-1] - par[0] >= 2.0 else "CONCURRENT")
print("BOB-FAST" if ok and bob_dt < max(1.0, base + 0.7) else "BOB-SLOW")
PY

out=$($PY "$T/attempts.py" "$PORT" "$ALICE" "$ALICE_PW" "$BOB" "$BOB_PW" 2>&1)
echo "$out" | sed 's/^/    /'
check_out "wrong passwords for one address/account cost more on each new connection" \
  '^GROWS$' echo "$out"
check_out "parallel wrong passwords are answered one after another" '^SERIAL$' echo "$out"
check_out "a correct logon of another account is not slowed meanwhile" '^BOB-FAST$' echo "$out"
check_out "the baseline logon worked" 'bob-baseline ok=True' echo "$out"
check "alice still logs on with the right password" alice share -c ls

# restrict anonymous: 0 (default) lets a null session reach IPC$, 2 refuses it.
# (-U% is a real null session: -N alone sends the local user name, which
# "map to guest = bad user" turns into a guest logon.)
check_out "anonymous IPC\$ allowed with restrict anonymous = 0" 'Disk|IPC' \
  timeout 60 smbclient -L //127.0.0.1 -p "$PORT" -U% -N
sed -i 's/^\tmap to guest = bad user/&\n\trestrict anonymous = 2/' "$CONF"
kill -HUP "$SERVER_PID"
sleep 1
check_fail_out "anonymous IPC\$ refused with restrict anonymous = 2" 'NT_STATUS_ACCESS_DENIED' \
  timeout 60 smbclient //127.0.0.1/IPC\$ -p "$PORT" -U% -N -c 'help'
check "an authenticated user still reaches IPC\$" \
  timeout 60 smbclient -L //127.0.0.1 -p "$PORT" -U "$ALICE%$ALICE_PW"
it_done
