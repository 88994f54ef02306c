#!/bin/bash
# Oplocks and leases across two clients in two processes (two smbd-session
# processes): an impacket client holds a batch oplock / an RWH lease / a
# level II oplock, smbclient (another process) opens the same file, the holder
# receives the SMB2 OPLOCK_BREAK notification, and smbclient's CREATE is held
# (STATUS_PENDING) until the holder acknowledges — or until the break timeout
# when it never does.
. "$(dirname "$0")/lib.sh"
it_setup
# A short break timeout, so the "never acknowledges" case is quick.
[ "$IT_SERVER" = cifsd ] && sed -i 's/^\[global\]$/[global]\n\toplock break timeout = 3/' "$CONF"
for f in batch.txt lease.txt noack.txt level2.txt; do
  echo "content of $f" > "$T/share/$f"
  chmod 0666 "$T/share/$f"
done
it_start_server

cat > "$T/hold.py" <<'PY'
# hold.py PORT USER PASS FILE MODE READYFILE
#   MODE: batch (ack to level II), lease (RWH, ack), noack (batch, never ack),
#         level2 (level II oplock; the break to none needs no ack)
import struct, sys, time
from impacket.smbconnection import SMBConnection
from impacket import smb3structs as s3s
port, user, pw, name, mode, ready = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
c = SMBConnection('127.0.0.1', '127.0.0.1', sess_port=port, timeout=30)
c.login(user, pw)
tid = c.connectTree('share')
smb = c.getSMBServer()
last = {}
orig_recv = smb.recvSMB
def recv(pid=None):
    p = orig_recv(pid)
    last['p'] = p
    return p
smb.recvSMB = recv
key = b'K' * 16
ctx = None
level = {'batch': 9, 'noack': 9, 'level2': 1, 'lease': 0xFF}[mode]
if mode == 'lease':
    cc = s3s.SMB2CreateContext()
    cc['NameOffset'] = 16
    cc['NameLength'] = 4
    cc['DataOffset'] = 24
    cc['DataLength'] = 32
    cc['Buffer'] = b'RqLs' + b'\0' * 4 + key + struct.pack('<IIQ', 7, 0, 0)
    ctx = [cc]
fid = smb.create(tid, name, s3s.FILE_READ_DATA | s3s.FILE_WRITE_DATA, 7, 0, s3s.FILE_OPEN,
                 0x80, oplockLevel=level, createContexts=ctx)
resp = s3s.SMB2Create_Response(last['p']['Data'])
granted = resp['OplockLevel']
print("granted oplock 0x%02x" % granted, flush=True)
if mode == 'lease':
    buf = resp['Buffer']
    # the one response context: RqLs; its data at DataOffset
    doff = struct.unpack_from('<H', buf, 10)[0]
    state = struct.unpack_from('<I', buf, doff + 16)[0]
    print("granted lease state %d" % state, flush=True)
open(ready, 'w').close()
pkt = smb._NetBIOSSession.recv_packet(30)
p = s3s.SMB2Packet(pkt.get_trailer())
if p['Command'] != s3s.SMB2_OPLOCK_BREAK or p['MessageID'] != 0xFFFFFFFFFFFFFFFF:
    print("unexpected packet: command %d mid %x" % (p['Command'], p['MessageID']))
    sys.exit(1)
t_break = time.time()
if mode == 'lease':
    n = s3s.SMB2LeaseBreakNotification(p['Data'])
    print("LEASEBREAK current=%d new=%d flags=%d" % (n['CurrentLeaseState'], n['NewLeaseState'], n['Flags']), flush=True)
else:
    n = s3s.SMB2OplockBreakNotification(p['Data'])
    print("BREAK level=%d" % n['OplockLevel'], flush=True)
if mode in ('noack', 'level2'):
    time.sleep(5 if mode == 'noack' else 0.5)
    print("no ack sent", flush=True)
else:
    time.sleep(1.0)  # the other client's CREATE must still be waiting now
    ack_pkt = s3s.SMB2Packet()
    ack_pkt['Command'] = s3s.SMB2_OPLOCK_BREAK
    ack_pkt['TreeID'] = tid
    if mode == 'lease':
        a = s3s.SMB2LeaseBreakAcknowledgement()
        a['LeaseKey'] = key
        a['LeaseState'] = n['NewLeaseState']
    else:
        a = s3s.SMB2OplockBreakAcknowledgment()
        a['OplockLevel'] = n['OplockLevel']
        a['FileID'] = fid
    ack_pkt['Data'] = a
    mid = smb.sendSMB(ack_pkt)
    r = smb.recvSMB(mid)
    if mode == 'lease':
        print("ACK status=0x%08x state=%d" % (r['Status'], s3s.SMB2LeaseBreakResponse(r['Data'])['LeaseState']), flush=True)
    else:
        print("ACK status=0x%08x level=%d" % (r['Status'], s3s.SMB2OplockBreakResponse(r['Data'])['OplockLevel']), flush=True)
smb.close(tid, fid)
c.close()
PY

# run_case NAME FILE MODE SMBCLIENT-COMMAND
run_case() {
  local name=$1 file=$2 mode=$3 cmd=$4
  rm -f "$T/ready.$mode"
  timeout 60 $PY "$T/hold.py" "$PORT" "$ALICE" "$ALICE_PW" "$file" "$mode" "$T/ready.$mode" \
    >"$T/hold.$mode.out" 2>&1 &
  local hp=$!
  bg_track $hp
  local i
  for i in $(seq 100); do [ -f "$T/ready.$mode" ] && break; sleep 0.1; done
  local t0 t1
  t0=$(date +%s%N)
  timeout 60 smbclient "//127.0.0.1/share" -p "$PORT" -U "$BOB%$BOB_PW" -c "$cmd" \
    >"$T/smbc.$mode.out" 2>&1
  local rc=$?
  t1=$(date +%s%N)
  wait $hp
  ELAPSED_MS=$(((t1 - t0) / 1000000))
  echo "--- $name: smbclient rc=$rc after ${ELAPSED_MS} ms; holder said:"
  sed 's/^/    | /' "$T/hold.$mode.out"
  [ $rc -eq 0 ] && pass "$name: second client's open succeeded" ||
    { fail "$name: second client's open succeeded"; sed 's/^/    | /' "$T/smbc.$mode.out"; }
}

expect_holder() {  # mode pattern description
  grep -q "$2" "$T/hold.$1.out" && pass "$3" || fail "$3"
}

run_case "batch oplock" batch.txt batch "get batch.txt $T/got.batch"
expect_holder batch 'granted oplock 0x09' "batch oplock granted"
expect_holder batch 'BREAK level=1' "holder got a break to level II"
expect_holder batch 'ACK status=0x00000000 level=1' "acknowledgment to level II accepted"
[ "$ELAPSED_MS" -ge 900 ] && pass "the other open waited for the acknowledgment" ||
  fail "the other open waited for the acknowledgment (${ELAPSED_MS} ms)"
cmp -s "$T/got.batch" "$T/share/batch.txt" && pass "content read after the break" || fail "content read after the break"

run_case "RWH lease" lease.txt lease "get lease.txt $T/got.lease"
expect_holder lease 'granted oplock 0xff' "lease granted"
expect_holder lease 'granted lease state 7' "lease state RWH"
expect_holder lease 'LEASEBREAK current=7 new=3 flags=1' "lease break RWH -> RH, ack required"
expect_holder lease 'ACK status=0x00000000 state=3' "lease acknowledgment accepted"
[ "$ELAPSED_MS" -ge 900 ] && pass "the other open waited for the lease acknowledgment" ||
  fail "the other open waited for the lease acknowledgment (${ELAPSED_MS} ms)"

run_case "level II broken by an overwrite" level2.txt level2 "put $T/share/batch.txt level2.txt"
expect_holder level2 'granted oplock 0x01' "level II granted"
expect_holder level2 'BREAK level=0' "holder's level II broken to none"

if [ "$IT_SERVER" = cifsd ]; then
  run_case "break never acknowledged" noack.txt noack "get noack.txt $T/got.noack"
  expect_holder noack 'BREAK level=1' "holder got the break"
  [ "$ELAPSED_MS" -ge 2500 ] && [ "$ELAPSED_MS" -lt 20000 ] &&
    pass "the other open completed after the break timeout (3 s)" ||
    fail "the other open completed after the break timeout (${ELAPSED_MS} ms)"
fi
it_done
