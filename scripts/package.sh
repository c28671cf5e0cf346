#!/usr/bin/env bash
# Builds the Debian package: build/strait_<version>_<arch>.deb (docs/operations.md).
# Extra arguments go to cmake, as for scripts/build.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${STRAIT_BUILD_DIR:-$here/build}
"$here/scripts/build.sh" "$@"
(cd "$build" && cpack -G DEB >/dev/null)
ls "$build"/strait_*.deb
