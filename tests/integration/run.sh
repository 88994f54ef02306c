#!/bin/bash
# Runs every tests/integration/t-*.sh (or the ones named) with a per-test
# timeout; prints "TEST PASS name" / "TEST FAIL name: first failing line" and
# a final "N passed, N failed". Exit status non-zero if any failed.
#   env: CIFSD_BUILD (build dir), IT_TIMEOUT (seconds per test, default 300),
#        CIFSD_IT_SERVER=samba (run against Samba to check the tests)
set -uo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
TIMEOUT=${IT_TIMEOUT:-300}
LOGDIR=${IT_LOGDIR:-$(mktemp -d /tmp/cifsd-it-logs.XXXXXX)}
mkdir -p "$LOGDIR"
passed=0
failed=0
skipped=0
tests=()
if [ $# -gt 0 ]; then
  for n in "$@"; do n=${n%.sh}; n=${n#t-}; tests+=("$DIR/t-$n.sh"); done
else
  tests=("$DIR"/t-*.sh)
fi
for t in "${tests[@]}"; do
  name=$(basename "$t" .sh)
  name=${name#t-}
  start=$(date +%s)
  timeout --kill-after=10 "$TIMEOUT" bash "$t" >"$LOGDIR/$name.log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  sed 's/^/  /' "$LOGDIR/$name.log"
  if [ $rc -eq 0 ]; then
    passed=$((passed + 1))
    echo "TEST PASS $name (${secs}s)"
  elif [ $rc -eq 77 ]; then
    skipped=$((skipped + 1))
    echo "TEST SKIP $name: $(grep -m1 '^SKIP' "$LOGDIR/$name.log")"
  else
    failed=$((failed + 1))
    first=$(grep -m1 '^FAIL' "$LOGDIR/$name.log")
    [ $rc -eq 124 ] && first="timed out after ${TIMEOUT}s${first:+; first failure: $first}"
    echo "TEST FAIL $name (${secs}s): ${first:-exit status $rc}"
  fi
done
echo "logs: $LOGDIR"
echo "integration: $passed passed, $failed failed${skipped:+, $skipped skipped}"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
