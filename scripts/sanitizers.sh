#!/usr/bin/env bash
# Builds the unit tests under a sanitizer, unoptimised, and runs them; fails on any report.
#   scripts/sanitizers.sh asan    AddressSanitizer + UndefinedBehaviorSanitizer, in build-asan
#   scripts/sanitizers.sh tsan    ThreadSanitizer, in build-tsan
#   scripts/sanitizers.sh         both, one after the other
# Only the unit-test binaries are built (the unit_tests target): a third of the time of a
# full build. librdkafka itself is not instrumented; the tests that drive it run on its mock
# cluster, so the threads strait owns meet librdkafka's as they do in production.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$here} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}

run() {
  local name=$1 option=$2 dir="$here/build-$1"
  echo "== unit tests under $name"
  cmake -S "$here" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug "-D$option=ON" \
    -DSTRAIT_BENCH=OFF >/dev/null
  ninja -C "$dir" unit_tests
  (cd "$dir" && STRAIT_TEST_WATCHDOG_S=570 ctest -L unit -j2 --output-on-failure --timeout 600)
}

# A report fails its test (the build has -fno-sanitize-recover; TSan exits 66).
export TSAN_OPTIONS=${TSAN_OPTIONS:-second_deadlock_stack=1}

case "${1:-all}" in
  asan) run asan STRAIT_ASAN ;;
  tsan) run tsan STRAIT_TSAN ;;
  all) run asan STRAIT_ASAN && run tsan STRAIT_TSAN ;;
  *) echo "usage: $0 [asan|tsan]" >&2; exit 2 ;;
esac
