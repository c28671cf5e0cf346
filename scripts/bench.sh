#!/usr/bin/env bash
# Benchmarks strait against MirrorMaker 2 on the same real Kafka clusters (docs/benchmarks.md):
#   scripts/bench.sh [--scenario all|ceiling,backlog,backlog-tls,wan,latency,partitions] [--quick] [--repeat N]
# Installs what is missing, builds strait, starts its own two clusters on ports 27000-27299,
# runs the scenarios for strait, MirrorMaker 2 with defaults and MirrorMaker 2 tuned in turn,
# and appends the results to docs/benchmarks.md (--quick: bench/out/ only). Every process it
# starts is stopped on exit. See bench/run.py --help.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
scripts/setup.sh
scripts/build.sh
export STRAIT_BENCH_COMMAND="scripts/bench.sh${*:+ $*}"
PYTHONPATH="$here/testbed" exec /usr/bin/python3 bench/run.py "$@"
