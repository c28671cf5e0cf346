#!/usr/bin/env bash
# The soak (tests/soak.py): at least a million records mirrored dc1 -> dc2 through ten
# kill -9s of strait, a kill -9 and restart of each cluster's broker and a one-minute cut of
# the WAN link, then every record proven with `strait verify` and with the test bed's
# verifier (testbed/strait_testbed/verify.py).
# About 10 minutes; not part of CI. Results in docs/guarantees.md ("Soak").
#   scripts/soak.sh [--records N] [--rate R] [--partitions P] [--kills K] [--cut-seconds S] [--seed X]
# Ports from STRAIT_PORT_BASE (default 24000), test bed root STRAIT_E2E_ROOT
# (default /tmp/strait-soak); the result lands in build/soak/soak-result.json.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
export STRAIT_E2E_ROOT=${STRAIT_E2E_ROOT:-/tmp/strait-soak}
cleanup() {
  PYTHONPATH="$here/testbed" /usr/bin/python3 -c \
    'import os, strait_testbed.bed as b; b.kill_marked(os.path.realpath(os.environ["STRAIT_E2E_ROOT"]))'
}
trap cleanup EXIT INT TERM
scripts/setup.sh
scripts/build.sh
PYTHONPATH="$here/testbed" /usr/bin/python3 tests/soak.py "$@"
