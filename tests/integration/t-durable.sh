#!/bin/bash
# Durable handles v2 across the death of a session process: A opens a file
# with a batch oplock and DH2Q, writes (acknowledged), then A's smbd-session
# is killed with SIGKILL. Bob's reclaim of the handle is refused
# (ACCESS_DENIED); A's user reclaims it on a new connection (DH2C with the
# create GUID) and reads back every byte through the reclaimed handle.
. "$(dirname "$0")/lib.sh"
it_setup
it_start_server
cat > "$T/dh.py" <<'PY'
import os, struct, sys, time, uuid
from impacket.smbconnection import SMBConnection
from impacket.smb3structs import SMB2_CREATE, SMB2_READ, SMB2_WRITE, SMB2_CLOSE
port, user, pw, buser, bpw, master = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
def sessions():
    out = set()
    for p in os.listdir('/proc'):
        if p.isdigit():
            try:
                st = open('/proc/%s/stat' % p).read()
                if int(st.rsplit(')', 1)[1].split()[1]) == master and 'smbd-session' in open('/proc/%s/cmdline' % p).read():
                    out.add(int(p))
            except (OSError, ValueError):
                pass
    return out
def conn(u, p):
    c = SMBConnection('127.0.0.1', '127.0.0.1', sess_port=port, timeout=20)
    c.login(u, p)
    return c, c.connectTree('share')
def call(c, tid, cmd, body):
    s = c.getSMBServer()
    pk = s.SMB_PACKET()
    pk['Command'] = cmd
    pk['TreeID'] = tid
    pk['Data'] = body
    r = s.recvSMB(s.sendSMB(pk))
    return r['Status'], r['Data']
def ctx(name, data):
    return struct.pack('<IHHHHI', 0, 16, 4, 0, 24, len(data)) + name + b'\0' * 4 + data
def create(c, tid, name, context, oplock=9):
    n = name.encode('utf-16-le')
    off = 64 + 56 + len(n)
    pad = (8 - off % 8) % 8
    body = struct.pack('<HBBIQQIIIIIHHII', 57, 0, oplock, 2, 0, 0, 0x12019f, 0x80, 7, 3, 0x40,
                       64 + 56, len(n), off + pad, len(context))
    st, d = call(c, tid, SMB2_CREATE, body + n + b'\0' * pad + context)
    if st != 0:
        return st, None, 0
    return st, d[64:80], d[2]
def write(c, tid, fid, off, data):
    body = struct.pack('<HHIQ', 49, 64 + 48, len(data), off) + fid + struct.pack('<IIHHI', 0, 0, 0, 0, 0)
    return call(c, tid, SMB2_WRITE, body + data)[0]
def read(c, tid, fid, off, n):
    body = struct.pack('<HBBIQ', 49, 0x50, 0, n, off) + fid + struct.pack('<IIIHH', 0, 0, 0, 0, 0) + b'\0'
    st, d = call(c, tid, SMB2_READ, body)
    if st != 0:
        return st, b''
    doff, dlen = d[2], struct.unpack('<I', d[4:8])[0]
    return st, d[doff - 64:doff - 64 + dlen]
ok = True
def expect(what, got, want):
    global ok
    print("%s: 0x%08x%s" % (what, got, "" if got == want else " (expected 0x%08x)" % want))
    ok = ok and got == want
before = sessions()
a, ta = conn(user, pw)
mine = sessions() - before
guid = uuid.uuid4().bytes
st, fid, oplock = create(a, ta, 'dur.bin', ctx(b'DH2Q', struct.pack('<IIQ', 60000, 0, 0) + guid))
expect("A create with DH2Q", st, 0)
print("A oplock level 0x%02x" % oplock)
payload = os.urandom(100000)
for i in range(0, len(payload), 32768):
    expect("A write at %d" % i, write(a, ta, fid, i, payload[i:i + 32768]), 0)
if len(mine) != 1:
    print("cannot tell A's session process:", mine)
    sys.exit(1)
pid = mine.pop()
os.kill(pid, 9)
print("killed A's smbd-session pid %d" % pid)
time.sleep(1)
dh2c = ctx(b'DH2C', fid + guid + struct.pack('<I', 0))
b, tb = conn(buser, bpw)
st, _, _ = create(b, tb, 'dur.bin', dh2c, oplock=0)
expect("bob reclaims A's handle", st, 0xC0000022)
b2, tb2 = conn(user, pw)
st, _, _ = create(b2, tb2, 'dur.bin', ctx(b'DH2C', fid + uuid.uuid4().bytes + struct.pack('<I', 0)), oplock=0)
expect("A's user with another create GUID", st, 0xC0000034)
st, fid2, _ = create(b2, tb2, 'dur.bin', dh2c, oplock=0)
expect("A's user reclaims the handle", st, 0)
if st == 0:
    got = b''
    while len(got) < len(payload):
        st, d = read(b2, tb2, fid2, len(got), 65536)
        if st != 0 or not d:
            break
        got += d
    print("read back %d bytes, %s" % (len(got), "identical" if got == payload else "DIFFERENT"))
    ok = ok and got == payload
print("ALL OK" if ok else "SOME FAILED")
sys.exit(0 if ok else 1)
PY
check_out "durable v2 handle survives kill -9 of its session process" 'ALL OK' \
  timeout 120 $PY "$T/dh.py" "$PORT" "$ALICE" "$ALICE_PW" "$BOB" "$BOB_PW" "$(cat "$(master_pidfile)")"
grep -q "bob reclaims A's handle: 0xc0000022$" "$T/last.out" && pass "another user's reclaim: ACCESS_DENIED" \
  || fail "another user's reclaim: ACCESS_DENIED"
grep -q 'identical' "$T/last.out" && pass "every byte read back through the reclaimed handle" \
  || fail "every byte read back through the reclaimed handle"
it_done
