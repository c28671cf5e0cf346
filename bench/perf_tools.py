"""Kafka's own Java tools, from the jars the test bed uses: ProducerPerformance fills the
backlog and measures the produce ceiling, ConsumerPerformance the consume ceiling, and
the MirrorMaker 2 driver runs as a JVM started the same way.

JVM options follow Kafka's scripts (kafka-run-class.sh's G1 settings; heaps from
kafka-producer-perf-test.sh / kafka-consumer-perf-test.sh / connect-mirror-maker.sh).
Every JVM carries the test bed's marker so that `TestBed.down()` kills it after a crash.
"""

import dataclasses
import pathlib
import re
import subprocess
from typing import Dict, List

from strait_testbed.jvm import java_command, log4j2_console

PERF_TOOL_HEAP = ["-Xmx512M"]  # kafka-{producer,consumer}-perf-test.sh


@dataclasses.dataclass
class PerfResult:
    """What a perf tool reported: records and their rate, excluding JVM start-up."""
    records: int
    records_per_s: float
    mb_per_s: float  # the tool's MB: 2^20 bytes of record values


class PerfTools:
    def __init__(self, marker: str, workdir: pathlib.Path):
        self.marker = marker
        self.workdir = workdir
        self.log4j2 = workdir / "tools-log4j2.properties"
        self.log4j2.write_text(log4j2_console("warn"))

    def start(self, main_class: str, args: List[str], log_name: str) -> subprocess.Popen:
        cmd = java_command(main_class, args, PERF_TOOL_HEAP, self.marker, self.log4j2)
        (self.workdir / f"{log_name}.cmd").write_text(" ".join(cmd) + "\n")
        return subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                stderr=open(self.workdir / f"{log_name}.log", "wb"),
                                start_new_session=True)

    def producer(self, bootstrap: str, topic: str, records: int, payload_file: pathlib.Path,
                 props: Dict[str, str], log_name: str) -> subprocess.Popen:
        args = ["--topic", topic, "--num-records", str(records),
                "--payload-file", str(payload_file), "--throughput", "-1",
                "--producer-props", f"bootstrap.servers={bootstrap}",
                *[f"{k}={v}" for k, v in props.items()]]
        return self.start("org.apache.kafka.tools.ProducerPerformance", args, log_name)

    def consumer(self, bootstrap: str, topic: str, records: int, log_name: str,
                 timeout_ms: int = 600000) -> subprocess.Popen:
        args = ["--bootstrap-server", bootstrap, "--topic", topic, "--messages", str(records),
                "--timeout", str(timeout_ms)]
        return self.start("org.apache.kafka.tools.ConsumerPerformance", args, log_name)

    @staticmethod
    def wait(proc: subprocess.Popen, what: str, timeout: float = 1800) -> str:
        out, _ = proc.communicate(timeout=timeout)
        text = out.decode(errors="replace")
        if proc.returncode != 0:
            raise RuntimeError(f"{what} failed with exit code {proc.returncode}:\n{text[-2000:]}")
        return text


# "2000000 records sent, 95000.3 records/sec (46.39 MB/sec), 250.5 ms avg latency, ..."
_PRODUCER_SUMMARY = re.compile(
    r"^(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), [\d.]+ ms avg latency")


def parse_producer(text: str) -> PerfResult:
    """ProducerPerformance's final summary: the interval lines it prints every 5 s have
    the same start but no percentiles."""
    for line in reversed(text.splitlines()):
        m = _PRODUCER_SUMMARY.match(line)
        if m and "50th" in line:
            return PerfResult(int(m.group(1)), float(m.group(2)), float(m.group(3)))
    raise ValueError(f"no ProducerPerformance summary in:\n{text[-1000:]}")


def parse_consumer(text: str) -> PerfResult:
    """ConsumerPerformance's CSV line. Uses the fetch.* rates, which exclude the time spent
    joining the consumer group, as the replicators' figures exclude their start-up."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    header_at = next((i for i, ln in enumerate(lines) if ln.startswith("start.time")), None)
    if header_at is None or header_at + 1 >= len(lines):
        raise ValueError(f"no ConsumerPerformance result in:\n{text[-1000:]}")
    names = [h.strip() for h in lines[header_at].split(",")]
    values = dict(zip(names, (v.strip() for v in lines[header_at + 1].split(","))))
    return PerfResult(int(values["data.consumed.in.nMsg"]), float(values["fetch.nMsg.sec"]),
                      float(values["fetch.MB.sec"]))
