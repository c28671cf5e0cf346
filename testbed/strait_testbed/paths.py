"""Where the test bed finds its tools and keeps its state."""

import os
import pathlib

KAFKA_VERSION = os.environ.get("STRAIT_KAFKA_VERSION", "4.1.1")
CACHE = pathlib.Path(os.environ.get("STRAIT_CACHE", pathlib.Path.home() / ".cache" / "strait"))
KAFKA_LIB = CACHE / f"kafka-{KAFKA_VERSION}" / "lib"
TOXIPROXY = CACHE / "bin" / "toxiproxy-server"
DEFAULT_ROOT = pathlib.Path(os.environ.get("STRAIT_TESTBED_DIR", "/tmp/strait-testbed"))
DEFAULT_PORT_BASE = int(os.environ.get("STRAIT_PORT_BASE", "20000"))

# Small heaps and a C1-only JIT: several brokers share two cores, and the suite's brokers
# live for minutes. Benchmarks override this with STRAIT_KAFKA_JVM_OPTS.
DEFAULT_JVM_OPTS = os.environ.get(
    "STRAIT_KAFKA_JVM_OPTS",
    "-Xms128m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData",
).split()


def java() -> str:
    home = os.environ.get("JAVA_HOME")
    return str(pathlib.Path(home) / "bin" / "java") if home else "java"


def classpath() -> str:
    if not KAFKA_LIB.is_dir() or not any(KAFKA_LIB.glob("kafka_2.13-*.jar")):
        raise RuntimeError(
            f"Kafka jars not found in {KAFKA_LIB}; run scripts/setup.sh first")
    return str(KAFKA_LIB / "*")
