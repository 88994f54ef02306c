#!/bin/bash
# Byte-range locks across two client connections (two session processes,
# one lock table in the master's broker): a lock by A makes B's write and
# read fail with STATUS_FILE_LOCK_CONFLICT; B's blocking lock goes pending and
# completes when A unlocks; a session's locks vanish when its process ends.
. "$(dirname "$0")/lib.sh"
it_setup
head -c 4096 /dev/zero > "$T/share/lk.bin"
chmod 0666 "$T/share/lk.bin"
it_start_server
cat > "$T/lk.py" <<'PY'
import struct, sys, time
from impacket.smbconnection import SMBConnection, SessionError
from impacket.smb3structs import SMB2_LOCK, FILE_READ_DATA, FILE_WRITE_DATA
port, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3]
EX, SH, UN, FI = 2, 1, 4, 0x10
def conn():
    c = SMBConnection('127.0.0.1', '127.0.0.1', sess_port=port, timeout=20)
    c.login(user, pw)
    return c, c.connectTree('share')
def lock_send(c, tid, fid, elems):
    s = c.getSMBServer()
    p = s.SMB_PACKET()
    p['Command'] = SMB2_LOCK
    p['TreeID'] = tid
    body = struct.pack('<HHI', 48, len(elems), 0) + bytes(fid)
    for off, ln, fl in elems:
        body += struct.pack('<QQII', off, ln, fl, 0)
    p['Data'] = body
    return s.sendSMB(p)
def lock_recv(c, mid):
    return c.getSMBServer().recvSMB(mid)['Status']
def lock(c, tid, fid, elems):
    return lock_recv(c, lock_send(c, tid, fid, elems))
def status_of(fn):
    try:
        fn()
        return 0
    except SessionError as e:
        return e.getErrorCode()
a, ta = conn()
b, tb = conn()
acc = FILE_READ_DATA | FILE_WRITE_DATA
fa = a.openFile(ta, 'lk.bin', desiredAccess=acc, shareMode=7)
fb = b.openFile(tb, 'lk.bin', desiredAccess=acc, shareMode=7)
ok = True
def expect(what, got, want):
    global ok
    print("%s: 0x%08x%s" % (what, got, "" if got == want else " (expected 0x%08x)" % want))
    ok = ok and got == want
# Nobody has locked the file yet: B writes freely.
expect("B write before any lock", status_of(lambda: b.writeFile(tb, fb, b'x' * 10, 10)), 0)
expect("A exclusive lock 0-99", lock(a, ta, fa, [(0, 100, EX | FI)]), 0)
expect("B write in A's range", status_of(lambda: b.writeFile(tb, fb, b'y' * 10, 10)), 0xC0000054)
expect("B read in A's range", status_of(lambda: b.readFile(tb, fb, 10, 10)), 0xC0000054)
expect("B write past A's range", status_of(lambda: b.writeFile(tb, fb, b'z' * 10, 200)), 0)
expect("A writes its own range", status_of(lambda: a.writeFile(ta, fa, b'a' * 10, 10)), 0)
expect("B lock fail-immediately", lock(b, tb, fb, [(50, 10, EX | FI)]), 0xC0000055)
# B's blocking lock waits (STATUS_PENDING) until A unlocks.
mid = lock_send(b, tb, fb, [(0, 100, EX)])
time.sleep(0.5)
t0 = time.time()
expect("A unlock", lock(a, ta, fa, [(0, 100, UN)]), 0)
expect("B blocking lock completes", lock_recv(b, mid), 0)
print("B waited %.3f s after the unlock" % (time.time() - t0))
expect("A write in B's range", status_of(lambda: a.writeFile(ta, fa, b'b' * 10, 10)), 0xC0000054)
# B's process ends: its locks go with it.
b.close()
for i in range(50):
    st = status_of(lambda: a.writeFile(ta, fa, b'c' * 10, 10))
    if st == 0:
        break
    time.sleep(0.1)
expect("A write after B disconnected", st, 0)
a.closeFile(ta, fa)
print("ALL OK" if ok else "SOME FAILED")
sys.exit(0 if ok else 1)
PY
check_out "byte-range locks between two clients" 'ALL OK' \
  timeout 90 $PY "$T/lk.py" "$PORT" "$ALICE" "$ALICE_PW"
grep -q 'B write in A.s range: 0xc0000054$' "$T/last.out" && pass "B's write got STATUS_FILE_LOCK_CONFLICT" \
  || fail "B's write got STATUS_FILE_LOCK_CONFLICT"
grep -q 'B blocking lock completes: 0x00000000$' "$T/last.out" && pass "B's blocking lock completed after A's unlock" \
  || fail "B's blocking lock completed after A's unlock"
it_done
