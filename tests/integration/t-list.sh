#!/bin/bash
# smbclient -L lists the shares (srvsvc over IPC$), rpcclient netshareenumall.
. "$(dirname "$0")/lib.sh"
it_setup
it_start_server

check_out "smbclient -L shows the disk share" '^[[:space:]]+share[[:space:]]+Disk' \
  timeout 60 smbclient -L 127.0.0.1 -p "$PORT" -U "$ALICE%$ALICE_PW"
grep -E -q '^[[:space:]]+ro[[:space:]]+Disk' "$T/last.out" && pass "smbclient -L shows [ro]" || fail "smbclient -L shows [ro]"
grep -E -q '^[[:space:]]+IPC\$[[:space:]]+IPC' "$T/last.out" && pass "smbclient -L shows IPC\$" || fail "smbclient -L shows IPC\$"
check_out "rpcclient netshareenumall names the share" 'netname: share' \
  timeout 60 rpcclient 127.0.0.1 --port="$PORT" -U "$ALICE%$ALICE_PW" -c netshareenumall
check_out "rpcclient netshareenumall gives its path" "path:[[:space:]]+C:$T/share|path:.*share" \
  timeout 60 rpcclient 127.0.0.1 --port="$PORT" -U "$ALICE%$ALICE_PW" -c netshareenumall
check_out "rpcclient srvinfo answers" 'platform_id|os version' \
  timeout 60 rpcclient 127.0.0.1 --port="$PORT" -U "$ALICE%$ALICE_PW" -c srvinfo
it_done
