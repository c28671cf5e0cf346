#!/usr/bin/env bash
# Installs what strait needs on a fresh Debian 12 machine, and nothing twice:
#   - Debian packages: compiler toolchain, librdkafka and the C++ libraries, Python test tools
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
  build-essential cmake ninja-build pkg-config git
  librdkafka-dev libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev libcpp-httplib-dev
  nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-pytest python3-pytest-timeout python3-confluent-kafka python3-psutil
  python3-yaml python3-matplotlib
  kcat clang-format clang-tidy iproute2 procps
)
command -v java >/dev/null || packages+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || packages+=(maven)
command -v go >/dev/null || packages+=(golang-go)

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

if [ ! -x "$cache/bin/toxiproxy-server" ]; then
  echo "setup: building toxiproxy $toxiproxy_version"
  mkdir -p "$cache/bin"
  GOBIN="$cache/bin/gobin" go install "github.com/Shopify/toxiproxy/v2/cmd/server@$toxiproxy_version"
  mv "$cache/bin/gobin/server" "$cache/bin/toxiproxy-server"
  rmdir "$cache/bin/gobin"
fi
echo "setup: ready (Kafka $kafka_version in $lib)"
