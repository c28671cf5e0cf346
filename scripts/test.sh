#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs the unit tests (also
# under AddressSanitizer and UndefinedBehaviorSanitizer), a short libFuzzer run of every
# decoder of outside input, and the end-to-end suite against real Kafka clusters, then checks
# that no Kafka or proxy process was left behind.
# Extra arguments are passed to pytest (e.g. -k compat).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

# Every process the suite starts (brokers, toxiproxy, strait) carries this root as its marker.
export STRAIT_E2E_ROOT=${STRAIT_E2E_ROOT:-/tmp/strait-e2e-$$}
cleanup() {
  PYTHONPATH="$here/testbed" /usr/bin/python3 -c \
    'import os, strait_testbed.bed as b; b.kill_marked(os.path.realpath(os.environ["STRAIT_E2E_ROOT"]))'
  rm -rf "$STRAIT_E2E_ROOT"
}
trap cleanup EXIT INT TERM

scripts/setup.sh --tests
echo "== build"
scripts/build.sh
echo "== unit tests"
(cd build && ctest -L unit -j2 --output-on-failure --timeout 120)
if [ "${STRAIT_SKIP_SANITIZERS:-0}" != 1 ]; then
  echo "== unit tests under ASan/UBSan"
  # Unoptimised and only the unit-test binaries: a third of the time of a full -O2 build.
  cmake -S "$here" -B "$here/build-asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSTRAIT_ASAN=ON \
    -DSTRAIT_BENCH=OFF >/dev/null
  ninja -C "$here/build-asan" unit_tests
  (cd build-asan && ctest -L unit -j2 --output-on-failure --timeout 300)
fi
if [ "${STRAIT_SKIP_FUZZ:-0}" != 1 ]; then
  echo "== fuzzing (${STRAIT_FUZZ_SECONDS:-20} s per target)"
  scripts/fuzz.sh "${STRAIT_FUZZ_SECONDS:-20}"
fi
echo "== end-to-end tests"
/usr/bin/python3 -m pytest -v --durations=15 "$@"
echo "== leftover processes"
left=$(PYTHONPATH="$here/testbed" /usr/bin/python3 -c \
  'import os, strait_testbed.bed as b; print(" ".join(map(str, b.marked_pids(os.path.realpath(os.environ["STRAIT_E2E_ROOT"])))))')
if [ -n "$left" ]; then
  echo "processes left running by the tests: $left" >&2
  ps -o pid,args -p ${left// /,} >&2 || true
  exit 1
fi
echo "all tests passed"
