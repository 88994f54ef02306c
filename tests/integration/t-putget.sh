#!/bin/bash
# put/get of a 1 MiB and a 20 MiB file with every dialect; content checked by sha256.
. "$(dirname "$0")/lib.sh"
it_setup
it_start_server

head -c $((1 << 20)) /dev/urandom > "$T/small.bin"
head -c $((20 << 20)) /dev/urandom > "$T/big.bin"
sum() { sha256sum "$1" | cut -d' ' -f1; }
for dialect in SMB2_02 SMB2_10 SMB3_00 SMB3_02 SMB3_11; do
  for f in small big; do
    rm -f "$T/got.bin"
    remote="$f-$dialect.bin"
    alice share -m "$dialect" --option="client min protocol=$dialect" -d 4 \
      -c "put $T/$f.bin $remote; get $remote $T/got.bin" >"$T/pg.out" 2>&1
    rc=$?
    want=$dialect
    if [ $rc -ne 0 ]; then
      fail "$dialect put/get $f (smbclient rc $rc)"
      grep -E 'NT_STATUS|failed|Error' "$T/pg.out" | head -n 5 | sed 's/^/    | /'
    elif ! grep -q "negotiated dialect\[$want\]" "$T/pg.out"; then
      fail "$dialect put/get $f: dialect not $want ($(grep -o 'negotiated dialect\[[^]]*\]' "$T/pg.out" | head -1))"
    elif [ "$(sum "$T/$f.bin")" != "$(sum "$T/got.bin" 2>/dev/null)" ]; then
      fail "$dialect put/get $f: sha256 of the downloaded copy differs"
    elif [ "$(sum "$T/$f.bin")" != "$(sum "$T/share/$remote")" ]; then
      fail "$dialect put/get $f: sha256 of the file on disk differs"
    else
      pass "$dialect put/get $f ($(stat -c %s "$T/$f.bin") bytes, sha256 ok)"
    fi
  done
done
# Files created through the server belong to the authenticated user.
owner=$(stat -c %u "$T/share/small-SMB3_11.bin" 2>/dev/null)
[ "$owner" = "$ALICE_UID" ] && pass "uploaded file owned by $ALICE ($owner)" || fail "uploaded file owner is '$owner', want $ALICE_UID"
it_done
