#!/usr/bin/env bash
# Installs what strait needs on a fresh Debian 12 machine, and nothing twice:
#   - Debian packages: compiler toolchain (and clang with libFuzzer), the C++ libraries,
#     Python test tools, dpkg-dev (scripts/package.sh); with --tests also what only tests run:
#     prometheus (promtool, for monitoring/), chromium (the status page test) and gdb (the
#     unit tests' watchdog prints a hung test's stacks with it), which the demo does not need
#   - librdkafka 2.15.1, built from the source Confluent publishes in its npm package (and
#     a ThreadSanitizer build of it for the sanitizer run of the unit tests)
#   - Apache Kafka, MirrorMaker 2 and Kafka's perf tools, resolved by Maven (testbed/pom.xml)
#   - toxiproxy (the WAN latency proxy), built with `go install`
# Quick when everything is in place. Everything downloaded lives outside git, under
# $STRAIT_CACHE (default ~/.cache/strait).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${STRAIT_CACHE:-$HOME/.cache/strait}
kafka_version=${STRAIT_KAFKA_VERSION:-4.1.1}
toxiproxy_version=v2.12.0

packages=(
  build-essential cmake ninja-build pkg-config git ccache openssl
  libssl-dev libsasl2-dev libzstd-dev liblz4-dev zlib1g-dev libjemalloc-dev
  libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev libcpp-httplib-dev
  nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-pytest python3-pytest-timeout python3-pytest-xdist python3-confluent-kafka
  python3-psutil
  python3-yaml python3-matplotlib
  kcat clang-format clang-tidy iproute2 procps dpkg-dev adduser
  clang-14 libclang-rt-14-dev
)
if [ "${1:-}" = --tests ]; then
  packages+=(prometheus chromium fonts-dejavu-core gdb)
fi
command -v java >/dev/null || packages+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || packages+=(maven)
command -v go >/dev/null || packages+=(golang-go)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

lib="$cache/kafka-$kafka_version/lib"
if [ ! -f "$lib/.complete" ]; then
  echo "setup: resolving Kafka $kafka_version from Maven Central into $lib"
  rm -rf "$lib"
  mkdir -p "$lib"
  mvn -B -q -f "$here/testbed/pom.xml" -Dkafka.version="$kafka_version" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$lib"
  touch "$lib/.complete"
fi

# librdkafka: Debian 12's 2.0.2 cannot log in to Kafka 4 with SCRAM (a nonce bug fixed in
# 2.6.1), so strait links 2.15.1 statically, built from the copy Confluent ships inside its
# npm package. The tarball is checked against the registry's integrity hash before use.
rdk_version=2.15.1
rdk_package=@confluentinc/kafka-javascript@1.10.1
rdk_integrity=sha512-KVePUBn21EqCVP9mfxzEuM3SYJHHEF7X+iiC2e43QQgDSyEaksInmCGooT3w5q+cNAdkSCrK71j0ICfqoSqZLw==
rdk="$cache/librdkafka-$rdk_version"
# build_rdkafka DEST [CFLAGS [configure options]]
build_rdkafka() {
  local dest=$1 cflags=${2:-} options=${3:-}
  [ ! -f "$dest/.complete" ] || return 0
  echo "setup: building librdkafka $rdk_version from $rdk_package into $dest"
  local work
  work=$(mktemp -d)
  (cd "$work" && npm pack --silent "$rdk_package" >/dev/null)
  local tarball
  tarball=$(ls "$work"/*.tgz)
  local got
  got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [ "$got" != "$rdk_integrity" ]; then
    echo "setup: $rdk_package does not match its registry integrity hash ($got)" >&2
    exit 1
  fi
  tar -xzf "$tarball" -C "$work" package/deps/librdkafka
  rm -rf "$dest"
  # shellcheck disable=SC2086
  (cd "$work/package/deps/librdkafka" &&
    CFLAGS="$cflags" ./configure --prefix="$dest" --no-download --disable-curl --enable-ssl \
      --enable-gssapi --enable-zstd --enable-lz4-ext --enable-zlib $options \
      >"$work/configure.log" 2>&1 &&
    make -j"$(nproc)" -C src >"$work/make.log" 2>&1 &&
    make -C src install >"$work/install.log" 2>&1) || {
    echo "setup: building librdkafka failed; the last lines of its logs:" >&2
    tail -n 20 "$work"/*.log >&2
    exit 1
  }
  # Only the static library stays: strait must not pick up a shared librdkafka at run time.
  rm -f "$dest"/lib/librdkafka.so* "$dest"/lib/librdkafka++*
  touch "$dest/.complete"
  rm -rf "$work"
}
build_rdkafka "$rdk"
# For the ThreadSanitizer build of the unit tests (scripts/sanitizers.sh tsan): instrumented,
# and on pthreads rather than glibc's C11 threads, which ThreadSanitizer cannot see into.
# Without it the sanitizer knows nothing of librdkafka's locks and reference counts.
build_rdkafka "$rdk-tsan" "-fsanitize=thread -fno-omit-frame-pointer -g -O1" --disable-c11threads

if [ ! -x "$cache/bin/toxiproxy-server" ]; then
  echo "setup: building toxiproxy $toxiproxy_version"
  mkdir -p "$cache/bin"
  GOBIN="$cache/bin/gobin" go install "github.com/Shopify/toxiproxy/v2/cmd/server@$toxiproxy_version"
  mv "$cache/bin/gobin/server" "$cache/bin/toxiproxy-server"
  rmdir "$cache/bin/gobin"
fi
echo "setup: ready (Kafka $kafka_version in $lib, librdkafka $rdk_version in $rdk)"
