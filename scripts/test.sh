#!/bin/bash
# The whole test suite, as CI runs it, on a fresh Debian 12 as root:
#   dependencies -> ASan/UBSan build -> unit tests (make check) ->
#   integration tests against real clients -> every fuzz target for a bounded time.
# Prints one result line per suite and a final "N passed, N failed"; exits
# non-zero if anything failed. Environment:
#   CIFSD_TEST_BUILD   build directory (default: <repo>/build-test)
#   FUZZ_SECONDS       seconds per fuzz target (default 20: the whole run stays under CI's 60 minutes)
#   SKIP_DEPS=1        do not call install-deps.sh
#   SKIP_INTEGRATION=1 / SKIP_HOSTILE=1 / SKIP_CONFORMANCE=1 / SKIP_FUZZ=1   leave a stage out
set -uo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${CIFSD_TEST_BUILD:-$REPO/build-test}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
JOBS=$(nproc 2>/dev/null || echo 2)
LOGDIR=$BUILD/test-logs
passed=0
failed=0
failures=()

pass() { passed=$((passed + 1)); echo "PASS: $*"; }
fail() { failed=$((failed + 1)); failures+=("$*"); echo "FAIL: $*"; }
stage() { echo; echo "=== $* ($(date -u +%H:%M:%S))"; }

finish() {
  echo
  if [ ${#failures[@]} -gt 0 ]; then
    echo "failed:"
    printf '  %s\n' "${failures[@]}"
  fi
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit $?
}

stage "dependencies"
if [ "${SKIP_DEPS:-0}" != 1 ]; then
  if ! "$REPO/scripts/install-deps.sh" --test; then
    fail "install-deps.sh --test"
    finish
  fi
fi

stage "build (ASan/UBSan) in $BUILD"
mkdir -p "$BUILD" "$LOGDIR"
(
  set -e
  cd "$REPO"
  if [ ! -x configure ] || [ configure.ac -nt configure ]; then autoreconf -fi; fi
  cd "$BUILD"
  if [ ! -f Makefile ]; then "$REPO/configure" -q --enable-sanitizers; fi
  make -j"$JOBS"
) >"$LOGDIR/build.log" 2>&1
if [ $? -eq 0 ]; then
  pass "build"
else
  tail -n 40 "$LOGDIR/build.log"
  fail "build (see $LOGDIR/build.log)"
  finish
fi

stage "unit tests (make check)"
( cd "$BUILD" && make -j"$JOBS" check ) >"$LOGDIR/check.log" 2>&1
check_rc=$?
ntrs=0
failed_before_unit=$failed
while IFS= read -r trs; do
  ntrs=$((ntrs + 1))
  name=${trs#"$BUILD"/}
  name=${name%.trs}
  res=$(sed -n 's/^:test-result: //p' "$trs" | head -n 1)
  case "$res" in
    PASS|SKIP|XFAIL) pass "unit $name${res:+ ($res)}" ;;
    *) fail "unit $name ($res)"; sed -n '1,40p' "$BUILD/$name.log" 2>/dev/null ;;
  esac
done < <(find "$BUILD/tests" -name '*.trs' 2>/dev/null | sort)
if [ $check_rc -ne 0 ] && [ "$failed" -eq "$failed_before_unit" ]; then
  # make check failed but no test reported a failure: a test did not build.
  tail -n 40 "$LOGDIR/check.log"
  fail "make check (see $LOGDIR/check.log)"
elif [ $ntrs -eq 0 ]; then
  fail "make check ran no unit tests"
fi

if [ "${SKIP_INTEGRATION:-0}" != 1 ]; then
  stage "integration tests"
  CIFSD_BUILD="$BUILD" "$REPO/tests/integration/run.sh" 2>&1 | tee "$LOGDIR/integration.log"
  while IFS= read -r line; do
    case "$line" in
      "TEST PASS "*) pass "integration ${line#TEST PASS }" ;;
      "TEST FAIL "*) fail "integration ${line#TEST FAIL }" ;;
    esac
  done < "$LOGDIR/integration.log"
  grep -q '^TEST \(PASS\|FAIL\) ' "$LOGDIR/integration.log" || fail "integration runner produced no results"
fi

# --- hostile input, limits and faults (owned by tests/hostile/; docs/hardening.md) ---
if [ "${SKIP_HOSTILE:-0}" != 1 ]; then
  stage "hostile input, resource limits, faults (tests/hostile/run.sh)"
  CIFSD_BUILD="$BUILD" "$REPO/tests/hostile/run.sh" 2>&1 | tee "$LOGDIR/hostile.log"
  while IFS= read -r line; do
    case "$line" in
      "TEST PASS "*) pass "${line#TEST PASS }" ;;
      "TEST FAIL "*) fail "${line#TEST FAIL }" ;;
    esac
  done < "$LOGDIR/hostile.log"
  grep -q '^TEST \(PASS\|FAIL\) hostile/' "$LOGDIR/hostile.log" || fail "hostile runner produced no results"
fi
# --- end hostile ---

# --- smbtorture conformance (owned by tests/conformance/; see its README.md) ---
# Every test in tests/conformance/expected-pass.txt must still pass.
if [ "${SKIP_CONFORMANCE:-0}" != 1 ]; then
  stage "smbtorture conformance (tests/conformance/run --check)"
  "$REPO/tests/conformance/run" --check --build "$BUILD" --out "$LOGDIR/conformance" \
    2>&1 | tee "$LOGDIR/conformance.log"
  if [ "${PIPESTATUS[0]}" -eq 0 ]; then
    pass "conformance: $(tail -n 1 "$LOGDIR/conformance.log")"
  else
    fail "conformance: $(tail -n 1 "$LOGDIR/conformance.log") (regressions in $LOGDIR/conformance.log)"
  fi
fi
# --- end smbtorture conformance ---

if [ "${SKIP_FUZZ:-0}" != 1 ]; then
  stage "fuzz targets, ${FUZZ_SECONDS}s each"
  CIFSD_BUILD="$BUILD" "$REPO/tests/fuzz/run.sh" "$FUZZ_SECONDS" 2>&1 | tee "$LOGDIR/fuzz.log"
  while IFS= read -r line; do
    case "$line" in
      "FUZZ PASS "*) pass "fuzz ${line#FUZZ PASS }" ;;
      "FUZZ FAIL "*) fail "fuzz ${line#FUZZ FAIL }" ;;
    esac
  done < "$LOGDIR/fuzz.log"
  grep -q '^FUZZ \(PASS\|FAIL\) ' "$LOGDIR/fuzz.log" || fail "fuzz runner produced no results"
fi

finish
