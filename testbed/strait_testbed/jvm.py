"""Kafka's own Java programs, from the jars the test bed uses, started the way Kafka's scripts
start them: kafka-run-class.sh's JVM options, a console log4j2 configuration, and the test
bed's marker, so that `TestBed.down()` kills them after a crash. The benchmarks run the perf
tools and MirrorMaker 2 this way; the end-to-end tests run MirrorMaker 2 (test_mm2.py).
"""

import pathlib
from typing import List

from . import paths

# kafka-run-class.sh's KAFKA_JVM_PERFORMANCE_OPTS.
KAFKA_JVM_PERFORMANCE_OPTS = ["-server", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
                              "-XX:InitiatingHeapOccupancyPercent=35",
                              "-XX:+ExplicitGCInvokesConcurrent", "-XX:MaxInlineLevel=15",
                              "-Djava.awt.headless=true"]

MM2_MAIN_CLASS = "org.apache.kafka.connect.mirror.MirrorMaker"  # dedicated mode
MM2_HEAP = ["-Xms256M", "-Xmx2G"]  # connect-mirror-maker.sh

# MirrorMaker 2 on single-broker clusters: every topic it creates needs replication
# factor 1 (kafka-testbed.md §5, config/connect-mirror-maker.properties). Not tuning.
MM2_SINGLE_BROKER = {
    "replication.factor": "1",
    "checkpoints.topic.replication.factor": "1",
    "heartbeats.topic.replication.factor": "1",
    "offset-syncs.topic.replication.factor": "1",
    "offset.storage.replication.factor": "1",
    "status.storage.replication.factor": "1",
    "config.storage.replication.factor": "1",
}


def log4j2_console(level: str) -> str:
    """A log4j2 configuration that logs to the console at `level` (stdout for MM2, which
    the harness captures as its log; the perf tools print their results there too, so
    their log goes to stderr)."""
    target = "SYSTEM_OUT" if level == "info" else "SYSTEM_ERR"
    return "\n".join(["status = warn", "appender.console.type = Console",
                      "appender.console.name = CONSOLE", f"appender.console.target = {target}",
                      "appender.console.layout.type = PatternLayout",
                      "appender.console.layout.pattern = [%d] %p %m (%c)%n",
                      f"rootLogger.level = {level}", "rootLogger.appenderRef.console.ref = CONSOLE",
                      ""])


def java_command(main_class: str, args: List[str], heap: List[str], marker: str,
                 log4j2: pathlib.Path) -> List[str]:
    return [paths.java(), *heap, *KAFKA_JVM_PERFORMANCE_OPTS,
            f"-Dlog4j2.configurationFile={log4j2}", f"-Dstrait.testbed={marker}",
            "-cp", paths.classpath(), main_class, *args]


def mirrormaker2_command(config: pathlib.Path, marker: str) -> List[str]:
    """MirrorMaker 2's dedicated-mode driver on `config` (a .properties file), logging at
    info to stdout; its log4j2 configuration is written beside the config."""
    log4j2 = config.parent / "mm2-log4j2.properties"
    log4j2.write_text(log4j2_console("info"))
    return java_command(MM2_MAIN_CLASS, [str(config)], MM2_HEAP, marker, log4j2)
