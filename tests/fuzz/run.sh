#!/bin/bash
# Builds every tests/fuzz/*_fuzz.cc with libFuzzer + ASan + UBSan and runs
# each for SECONDS (default 60) on a scratch copy of its seed corpus
# tests/fuzz/corpus/<name>/. Fails if a target does not build or finds a crash.
#   usage: tests/fuzz/run.sh [SECONDS_PER_TARGET] [NAME...]
# A target's line 1 is "// fuzz-sources: <repo-relative .cc files>", optional
# line 2 "// fuzz-libs: <linker flags>". config.h comes from $CIFSD_BUILD
# (a configured build directory; default <repo>/build-test, then <repo>/build).
# Prints "FUZZ PASS name" / "FUZZ FAIL name" per target and a table of
# executions; crash inputs are kept in $FUZZ_OUT/<name>/. FUZZ_RUNS=N also
# stops a target after N executions (long runs: whichever comes first).
set -uo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
SECONDS_PER=${1:-60}
shift || true
BUILD=${CIFSD_BUILD:-}
if [ -z "$BUILD" ]; then
  for d in "$REPO/build-test" "$REPO/build"; do [ -f "$d/config.h" ] && BUILD=$d && break; done
fi
if [ -z "$BUILD" ] || [ ! -f "$BUILD/config.h" ]; then
  echo "fuzz: no configured build directory with config.h (set CIFSD_BUILD)" >&2
  exit 2
fi
BUILD=$(cd "$BUILD" && pwd)
OUT=${FUZZ_OUT:-$BUILD/fuzz}
CXX=${FUZZ_CXX:-clang++}
mkdir -p "$OUT"

if ! command -v "$CXX" >/dev/null; then
  echo "fuzz: $CXX not found (scripts/install-deps.sh --test installs clang)" >&2
  echo "FUZZ FAIL (no clang++)"
  exit 1
fi

# The same path macros as Makefile.am's AM_CPPFLAGS (values do not matter for fuzzing).
CPPFLAGS=(-D_GNU_SOURCE -DSYSCONFDIR='"/etc"' -DLOCALSTATEDIR='"/var"' -DRUNSTATEDIR='"/run"'
  -DLIBEXECDIR='"/usr/libexec"' -DSBINDIR='"/usr/sbin"' -I"$REPO" -I"$BUILD")
CXXFLAGS=(-std=c++20 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
  -fno-sanitize-recover=undefined -Wno-unused-command-line-argument)
# inih and OpenSSL are linked only when a target asks for them (fuzz-libs).

targets=()
if [ $# -gt 0 ]; then
  for n in "$@"; do targets+=("$REPO/tests/fuzz/${n%_fuzz}_fuzz.cc"); done
else
  # A target whose first lines say "// fuzz-ci: named-only" (too costly to
  # build within the CI budget) runs only when named or with FUZZ_ALL=1.
  for f in "$REPO"/tests/fuzz/*_fuzz.cc; do
    [ -e "$f" ] || continue
    if [ "${FUZZ_ALL:-0}" != 1 ] && head -n 20 "$f" | grep -q '^// fuzz-ci: named-only'; then
      echo "== $(basename "$f" .cc): skipped (fuzz-ci: named-only; name it or set FUZZ_ALL=1)"
      continue
    fi
    targets+=("$f")
  done
fi
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz: no targets"
  exit 1
fi

declare -A EXECS RESULT
rc=0
for src in "${targets[@]}"; do
  name=$(basename "$src" .cc)
  short=${name%_fuzz}
  dir=$OUT/$name
  rm -rf "$dir"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  sources=$(sed -n '1s|^// fuzz-sources:||p' "$src")
  libs=$(sed -n '2s|^// fuzz-libs:||p' "$src")
  srcs=("$src")
  for s in $sources; do srcs+=("$REPO/$s"); done
  echo "== $name: building (${#srcs[@]} sources${libs:+; libs:$libs})"
  # shellcheck disable=SC2086
  if ! "$CXX" "${CXXFLAGS[@]}" "${CPPFLAGS[@]}" "${srcs[@]}" -o "$dir/$name" $libs >"$dir/build.log" 2>&1; then
    tail -n 30 "$dir/build.log"
    echo "FUZZ FAIL $name (build failed, see $dir/build.log)"
    RESULT[$name]="build failed"
    EXECS[$name]=-
    rc=1
    continue
  fi
  for c in "$REPO/tests/fuzz/corpus/$short" "$REPO/tests/fuzz/corpus/$name"; do
    [ -d "$c" ] && cp -r "$c"/. "$dir/corpus/" 2>/dev/null
  done
  echo "== $name: running ${SECONDS_PER}s"
  ( cd "$dir" && ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
      UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
      timeout --kill-after=30 $((SECONDS_PER + 120)) \
      "./$name" -max_total_time="$SECONDS_PER" ${FUZZ_RUNS:+-runs=$FUZZ_RUNS} -timeout=25 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$dir/artifacts/" corpus ) >"$dir/run.log" 2>&1
  frc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/run.log" | tail -n 1)
  # Coverage of the last status line (libFuzzer's "cov: N ft: M").
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$dir/run.log" | tail -n 1)
  [ -n "$cov" ] && echo "== $name: $cov"
  EXECS[$name]=${execs:-?}
  if [ $frc -eq 0 ] && ! ls "$dir/artifacts"/* >/dev/null 2>&1; then
    RESULT[$name]=ok
    echo "FUZZ PASS $name (${execs:-?} execs)"
  else
    RESULT[$name]="crash (rc $frc)"
    grep -m 20 -E 'ERROR|SUMMARY|runtime error|Test unit written' "$dir/run.log"
    echo "FUZZ FAIL $name (rc $frc, see $dir/run.log, inputs in $dir/artifacts)"
    rc=1
  fi
done

echo
printf '%-28s %14s  %s\n' target executions result
for src in "${targets[@]}"; do
  name=$(basename "$src" .cc)
  printf '%-28s %14s  %s\n' "$name" "${EXECS[$name]}" "${RESULT[$name]}"
done
exit $rc
