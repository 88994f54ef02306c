#!/bin/bash
# Configuration handling: smbd-master -t, refusing a bad file with file:line,
# and a broken file on SIGHUP leaving the running configuration in force.
. "$(dirname "$0")/lib.sh"
[ "$IT_SERVER" = samba ] && { echo "SKIP: cifsd-specific"; exit 77; }
it_setup
check_out "smbd-master -t accepts the test config" 'path = '"$T"'/share' "$MASTER" -t -C "$CONF"
cp "$CONF" "$T/bad.conf"
printf '[broken]\n\tpath = %s\n\tread only = perhaps\n' "$T/ro" >> "$T/bad.conf"
line=$(grep -n 'read only = perhaps' "$T/bad.conf" | cut -d: -f1)
check_out "-t names file:line of an invalid value" "bad\.conf:$line:.*perhaps" "$MASTER" -t -C "$T/bad.conf"
"$MASTER" -t -C "$T/bad.conf" >/dev/null 2>&1 && fail "-t exits 0 on an invalid file" || pass "-t exits non-zero on an invalid file"
cp "$CONF" "$T/warn.conf"
printf '\tfrobnicate = 1\n' >> "$T/warn.conf"
wline=$(grep -n frobnicate "$T/warn.conf" | cut -d: -f1)
check_out "-t warns about an unknown key with file:line" "warn\.conf:$wline:.*frobnicate" "$MASTER" -t -C "$T/warn.conf"
"$MASTER" -t -C "$T/warn.conf" >/dev/null 2>&1 && pass "an unknown key is not fatal" || fail "an unknown key is not fatal"
timeout 20 "$MASTER" -n -C "$T/bad.conf" -p "$PORT" >"$T/bad-start.out" 2>&1
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] && pass "smbd-master refuses to start with an invalid file (rc $rc)" || fail "smbd-master with an invalid file: rc $rc"
grep -q "bad\.conf:$line" "$T/bad-start.out" && pass "start-up error names file:line" || { fail "start-up error names file:line"; sed 's/^/    | /' "$T/bad-start.out" | head -5; }

it_start_server
check "share serves before the reload" alice share -c ls
cp "$T/bad.conf" "$CONF"
kill -HUP "$SERVER_PID"
sleep 1
kill -0 "$SERVER_PID" 2>/dev/null && pass "master survives a reload with an invalid file" || fail "master died on an invalid reload"
check "old configuration still serves after the failed reload" alice share -c ls
check_fail_out "the invalid share was not added" 'NT_STATUS_BAD_NETWORK_NAME' alice broken -c ls
it_done
