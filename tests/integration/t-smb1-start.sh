#!/bin/bash
# A client that starts with an SMB1 negotiate (NT1 allowed) ends up on SMB2+.
. "$(dirname "$0")/lib.sh"
it_setup
it_start_server
check_out "SMB1-capable client connects and lists" 'blocks of size|blocks available' \
  alice share --option='client min protocol=NT1' --option='client max protocol=SMB3' -d 4 -c ls
d=$(grep -o 'negotiated dialect\[[^]]*\]' "$T/last.out" | head -1)
case "$d" in
  *SMB2*|*SMB3*) pass "ended up on an SMB2 dialect: $d" ;;
  *) fail "dialect after an SMB1 start: '${d:-none}'" ;;
esac
check_fail_out "an NT1-only client is refused" 'NT_STATUS_|protocol negotiation failed|failed' \
  alice share --option='client min protocol=NT1' --option='client max protocol=NT1' -c ls
it_done
