#!/bin/bash
# smbtorture smb2.connect (negotiate, session, tree, create/read/write/close).
. "$(dirname "$0")/lib.sh"
it_setup
it_start_server
mkdir -p "$T/torture"
check_out "smbtorture smb2.connect" '^success: ' \
  timeout 120 smbtorture "//127.0.0.1/alice" -p "$PORT" -U "$ALICE%$ALICE_PW" --basedir="$T/torture" smb2.connect
grep -q '^failure\|^error' "$T/last.out" && fail "smbtorture reported a failure" || pass "smbtorture reported no failure"
it_done
