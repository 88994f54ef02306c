#!/bin/bash
# Signing and SMB3 encryption with real smbclient: put/get of a 2 MiB random
# file (sha256 compared) for every signing algorithm and cipher, a packet
# capture proving encrypted traffic does not carry the file's bytes in clear
# (with a plain control capture that does), and a share with
# "smb3 encryption = mandatory" refusing a non-encrypting SMB 2.1 client.
. "$(dirname "$0")/lib.sh"
it_setup
cat >>"$CONF" <<S

[secure]
	path = $T/share
	read only = no
	valid users = $ALICE $BOB
	smb3 encryption = mandatory
S
it_start_server

head -c $((2 << 20)) /dev/urandom > "$T/rand.bin"
sum() { sha256sum "$1" | cut -d' ' -f1; }
want_sum=$(sum "$T/rand.bin")
n=0

# putget "description" DIALECT SHARE SMBCLIENT-ARGS...: upload, download,
# compare; the dialect must be the one asked for.
putget() {
  local what=$1 dialect=$2 share=$3 rc
  shift 3
  n=$((n + 1))
  local remote="pg-$n.bin"
  rm -f "$T/got.bin"
  alice "$share" -m "$dialect" --option="client min protocol=$dialect" -d 4 "$@" \
    -c "put $T/rand.bin $remote; get $remote $T/got.bin" >"$T/pg.out" 2>&1
  rc=$?
  # (-d 4 also logs a harmless "GENSEC client mech gse_krb5" NT_STATUS line)
  if [ $rc -ne 0 ] || grep -v GENSEC "$T/pg.out" | grep -q 'NT_STATUS'; then
    fail "$what (smbclient rc $rc)"
    grep -v GENSEC "$T/pg.out" | grep -E 'NT_STATUS|failed|Error' | head -n 5 | sed 's/^/    | /'
  elif ! grep -q "negotiated dialect\[$dialect\]" "$T/pg.out"; then
    fail "$what: dialect not $dialect ($(grep -o 'negotiated dialect\[[^]]*\]' "$T/pg.out" | head -1))"
  elif [ "$want_sum" != "$(sum "$T/got.bin" 2>/dev/null)" ]; then
    fail "$what: sha256 of the downloaded copy differs"
  elif [ "$want_sum" != "$(sum "$T/share/$remote" 2>/dev/null)" ]; then
    fail "$what: sha256 of the file on disk differs"
  else
    pass "$what (sha256 ok)"
  fi
}

# 1. Signing with each dialect's default algorithm.
# (smbclient -d 10 logs "sign_algo_id=N" per signed message: 0 HMAC-SHA256,
# 1 AES-CMAC, 2 AES-GMAC.)
putget "SMB2_10 signed" SMB2_10 share --client-protection=sign
check_out "SMB2_10 signs with HMAC-SHA256" 'sign_algo_id=0' \
  alice share -m SMB2_10 --client-protection=sign -d 10 -c ls
putget "SMB3 (3.0) signed" SMB3_00 share --client-protection=sign
check_out "SMB3 (3.0) signs with AES-CMAC" 'sign_algo_id=1' \
  alice share -m SMB3_00 --option='client min protocol=SMB3_00' --client-protection=sign -d 10 -c ls
putget "SMB3_11 signed" SMB3_11 share --client-protection=sign
# 2. SMB 3.1.1 signing algorithm negotiation.
id=1
for alg in AES-128-CMAC AES-128-GMAC; do
  putget "SMB3_11 signed with $alg" SMB3_11 share --client-protection=sign \
    --option="client smb3 signing algorithms=$alg"
  check_out "SMB3_11 negotiates $alg" "sign_algo_id=$id" \
    alice share -m SMB3_11 --client-protection=sign --option="client smb3 signing algorithms=$alg" -d 10 -c ls
  id=$((id + 1))
done
# 3. Encryption (encrypt = required: smbclient fails unless the server
# accepts the one cipher offered).
putget "SMB3 (3.0) encrypted" SMB3_00 share --client-protection=encrypt
putget "SMB3_11 encrypted" SMB3_11 share --client-protection=encrypt
for alg in AES-128-CCM AES-128-GCM AES-256-CCM AES-256-GCM; do
  putget "SMB3_11 encrypted with $alg" SMB3_11 share --client-protection=encrypt \
    --option="client smb3 encryption algorithms=$alg"
done

# 4. Packet capture: an encrypted upload must not show the marker; a plain
# upload of the same file must (so the grep can fail).
MARK='CIFSD-CLEAR-TEXT-MARKER-7f3a9c'
for i in $(seq 4000); do echo "$MARK line $i"; done > "$T/mark.txt"
# capture FILE SMBCLIENT-ARGS...: runs one put under tshark; returns 2 if
# the capture could not be taken.
capture() {
  local out=$1 pid i
  shift
  rm -f "$out"
  tshark -q -i lo -f "tcp port $PORT" -w "$out" >"$T/tshark.log" 2>&1 &
  pid=$!
  bg_track "$pid"
  # tshark creates the file once the capture runs
  for i in $(seq 100); do
    [ -s "$out" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ ! -s "$out" ]; then
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 2
  fi
  alice share "$@" -c "put $T/mark.txt mark-$n.txt" >"$T/cap.out" 2>&1
  local rc=$?
  n=$((n + 1))
  sleep 0.5
  kill -INT "$pid" 2>/dev/null
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return $rc
}
marks() { grep -a -c -- "$MARK" "$1"; }
capture "$T/plain.pcap" -m SMB3_11 --client-protection=off
rc=$?
if [ $rc -eq 2 ]; then
  echo "SKIP: tshark cannot capture on lo here:"
  sed 's/^/    | /' "$T/tshark.log" | head -n 5
else
  plain=$(marks "$T/plain.pcap")
  if [ $rc -eq 0 ] && [ "$plain" -gt 0 ]; then
    pass "control: plain SMB3_11 upload shows the marker in the capture ($plain lines)"
  else
    fail "control: plain upload rc $rc, marker lines in capture: $plain"
  fi
  capture "$T/enc.pcap" -m SMB3_11 --client-protection=encrypt
  rc=$?
  enc=$(marks "$T/enc.pcap")
  if [ $rc -eq 0 ] && [ "$enc" -eq 0 ] && [ "$(stat -c %s "$T/enc.pcap")" -gt $((100 << 10)) ]; then
    pass "encrypted SMB3_11 upload: marker absent from the capture ($(stat -c %s "$T/enc.pcap") bytes)"
  else
    fail "encrypted upload rc $rc, marker lines in capture: $enc"
  fi
fi

# 5. Per-share mandatory encryption.
check_fail_out "SMB2_10 refused on the encryption-mandatory share" 'NT_STATUS_ACCESS_DENIED' \
  alice secure -m SMB2_10 -c ls
putget "SMB3_11 encrypted on the encryption-mandatory share" SMB3_11 secure --client-protection=encrypt
# Without being asked to, smbclient encrypts once the tree connect answer
# says the share requires it.
check_out "SMB3_11 (default protection) encrypts on the mandatory share" 'Encrypted SMB2 message' \
  alice secure -m SMB3_11 -d 10 -c ls
it_done
