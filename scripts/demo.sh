#!/usr/bin/env bash
# The README's demo command: installs what is missing, builds strait, starts two local Kafka
# clusters (dc1, dc2) and shows traffic between them. Ctrl-C stops every process it started.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
scripts/setup.sh
scripts/build.sh
PYTHONPATH="$here/testbed" exec /usr/bin/python3 -m strait_testbed.demo "$@"
