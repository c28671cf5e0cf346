#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs the unit tests, then the
# end-to-end suite against real Kafka clusters with, beside it at a lower priority, the
# unit tests under AddressSanitizer/UBSan and ThreadSanitizer, the style checks and a short
# libFuzzer run of every decoder of outside input; last, checks that no Kafka or proxy
# process was left behind.
#
#   STRAIT_E2E_WORKERS=N     end-to-end files run N side by side (default 3; 1: one by one)
#   STRAIT_SKIP_SANITIZERS=1 no sanitizer builds      STRAIT_SKIP_LINT=1 no style checks
#   STRAIT_SKIP_FUZZ=1       no fuzzing               STRAIT_FUZZ_SECONDS=N  per target (20)
# Extra arguments are passed to pytest (e.g. -k compat).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
# A second clone on this machine compiles from ccache's cache too.
export CCACHE_BASEDIR=$here CCACHE_NOHASHDIR=1

# Every process the suite starts (brokers, toxiproxy, strait) carries this root, or a folder
# inside it, as its marker.
export STRAIT_E2E_ROOT=${STRAIT_E2E_ROOT:-/tmp/strait-e2e-$$}
checks=$(mktemp -d)
checks_pid=""
cleanup() {
  [ -z "$checks_pid" ] || kill -- -"$checks_pid" 2>/dev/null || true
  PYTHONPATH="$here/testbed" /usr/bin/python3 -c \
    'import os, strait_testbed.bed as b; b.kill_marked(os.path.realpath(os.environ["STRAIT_E2E_ROOT"]))'
  rm -rf "$STRAIT_E2E_ROOT" "$checks"
}
trap cleanup EXIT INT TERM
stamp() { date +%s; }
start=$(stamp)

scripts/setup.sh --tests
echo "== build"
scripts/build.sh
echo "== unit tests"
# The watchdog (src/testing) prints a hung test's stacks before ctest's timeout kills it.
(cd build && STRAIT_TEST_WATCHDOG_S=280 ctest -L unit -j2 --output-on-failure --timeout 300)
echo "== build and unit tests: $(($(stamp) - start)) s"

# Beside the end-to-end suite, which mostly waits on brokers: the sanitizer builds, the
# style checks and the fuzzers, niced so that the tests' brokers and strait come first. In a
# process group of their own, so that an interrupted run stops them too.
set -m
(
  status=0
  if [ "${STRAIT_SKIP_LINT:-0}" != 1 ]; then
    nice -n 10 scripts/lint.py -j 1 >"$checks/lint.log" 2>&1 || status=1
  fi
  if [ "${STRAIT_SKIP_SANITIZERS:-0}" != 1 ]; then
    nice -n 10 scripts/sanitizers.sh asan >"$checks/asan.log" 2>&1 || status=1
    nice -n 10 scripts/sanitizers.sh tsan >"$checks/tsan.log" 2>&1 || status=1
  fi
  if [ "${STRAIT_SKIP_FUZZ:-0}" != 1 ]; then
    nice -n 10 scripts/fuzz.sh "${STRAIT_FUZZ_SECONDS:-20}" >"$checks/fuzz.log" 2>&1 || status=1
  fi
  exit $status
) &
checks_pid=$!
set +m

echo "== end-to-end tests"
workers=${STRAIT_E2E_WORKERS:-3}
parallel=()
[ "$workers" -le 1 ] || parallel=(-n "$workers" --dist loadfile)
e2e=0
# Side by side first; then the tests that measure time, by themselves. Exit code 5 is "no
# test selected" (-k that picks from one group only).
/usr/bin/python3 -m pytest -v --durations=15 -m "not alone" "${parallel[@]}" "$@" ||
  [ $? -eq 5 ] || e2e=1
/usr/bin/python3 -m pytest -v -m alone "$@" || [ $? -eq 5 ] || e2e=1
echo "== end-to-end tests done: $(($(stamp) - start)) s"

echo "== sanitizers, style checks, fuzzing"
checks_status=0
wait "$checks_pid" || checks_status=$?
checks_pid=""
for log in "$checks"/*.log; do
  [ -e "$log" ] || continue
  echo "--- $(basename "$log" .log)"
  if [ "$checks_status" -ne 0 ]; then cat "$log"; else tail -n 3 "$log"; fi
done
echo "== all done: $(($(stamp) - start)) s"
[ "$e2e" -eq 0 ] || { echo "end-to-end tests failed" >&2; exit 1; }
[ "$checks_status" -eq 0 ] || { echo "sanitizer, style or fuzz checks failed" >&2; exit 1; }

echo "== leftover processes"
left=$(PYTHONPATH="$here/testbed" /usr/bin/python3 -c \
  'import os, strait_testbed.bed as b; print(" ".join(map(str, b.marked_pids(os.path.realpath(os.environ["STRAIT_E2E_ROOT"])))))')
if [ -n "$left" ]; then
  echo "processes left running by the tests: $left" >&2
  ps -o pid,args -p ${left// /,} >&2 || true
  exit 1
fi
echo "all tests passed"
