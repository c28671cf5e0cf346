"""The replicators under test: strait with its defaults, and MirrorMaker 2 in dedicated mode
with its defaults and tuned as its documentation suggests.

Every run gets its own source-cluster alias (`strait_bk1`, `mm2def_bk1`, ...): both
replicators name remote topics `<alias>.<topic>`, so runs on the same clusters never
share a target topic, and MirrorMaker 2's Connect state (kept in topics named after the
source alias) starts empty each time. The source topics themselves are shared: every
replicator copies the very same records.
"""

import dataclasses
import os
import pathlib
import signal
import subprocess
import time
from typing import Dict, List, Optional, Sequence

import yaml

from strait_testbed import strait
from strait_testbed.jvm import MM2_SINGLE_BROKER, mirrormaker2_command

TARGET_ALIAS = "dc2"

# "Tuned as its documentation suggests". Each line names its source; docs/benchmarks.md
# repeats them. `{source}` and `{target}` are the run's cluster aliases.
MM2_TUNED = {
    # Apache Kafka docs, Geo-Replication: tasks.max "at least 2 (preferably higher)"; Aiven's
    # MM2 tuning guide: as many tasks as partitions. The backlog has 12 partitions.
    "tasks.max": "12",
    # Apache Kafka docs, Geo-Replication, per-cluster client overrides
    # ("us-east.producer.compression.type = gzip"): MM2's producer compresses nothing by
    # default; lz4 is what the source topic and strait use.
    "{target}.producer.compression.type": "lz4",
    # Red Hat Streams for Apache Kafka, "Configuring MirrorMaker 2 for high volumes of
    # messages": batch.size 327680 and linger.ms 100 on the target's producer, and
    # offset.flush.timeout.ms 10000. Its consumer values there (fetch.max.bytes 52428800,
    # max.partition.fetch.bytes 1048576, max.poll.records 500) are the Java defaults.
    "{target}.producer.batch.size": "327680",
    "{target}.producer.linger.ms": "100",
    "offset.flush.timeout.ms": "10000",
    # Apache Kafka docs, MM2 configuration: how often new topics are looked for (default
    # 600 s). Not a throughput setting: it lets the many-partitions scenario show how fast
    # MM2 can start a new topic when an operator asks for it (strait looks every 5 s).
    "refresh.topics.interval.seconds": "5",
    # Apache Kafka docs, Operations, Datacenters: over a high-latency link "it may be
    # necessary to increase the TCP socket buffer sizes for the producer, consumer, and
    # broker". -1 leaves them to the kernel's autotuning (the client default of 64 KiB for
    # the consumer caps a fetch at 64 KiB per round trip).
    "{source}.consumer.receive.buffer.bytes": "-1",
    "{target}.producer.send.buffer.bytes": "-1",
}


@dataclasses.dataclass
class Flow:
    """One run's replication flow: source alias and address, target address, topics, and
    for TLS listeners the CA (PEM) that signed the brokers' certificates."""
    alias: str
    source_bootstrap: str
    target_bootstrap: str
    topics: List[str]  # whole-name regexes
    tls_ca: Optional[str] = None

    def remote(self, topic: str) -> str:
        return f"{self.alias}.{topic}"


class Running:
    """A started replicator process. Owned by the scenario that started it."""

    def __init__(self, proc: subprocess.Popen, log_path: pathlib.Path, started: float):
        self.proc = proc
        self.log_path = log_path
        self.started = started

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 30):
        """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds."""
        if self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


class Replicator:
    """A replicator configuration. `key` names it in results; `alias_prefix` in topics."""

    key = ""
    alias_prefix = ""
    label = ""

    def start(self, flow: Flow, workdir: pathlib.Path, prefix: Sequence[str] = ()) -> Running:
        """Starts the replicator; `prefix` wraps its command (e.g. `ip netns exec NS`)."""
        raise NotImplementedError

    @staticmethod
    def _spawn(cmd: List[str], workdir: pathlib.Path, env: Dict[str, str],
               prefix: Sequence[str]) -> Running:
        workdir.mkdir(parents=True, exist_ok=True)
        cmd = [*prefix, *cmd]
        (workdir / "command").write_text(" ".join(cmd) + "\n")
        log_path = workdir / "replicator.log"
        started = time.monotonic()
        # Appended to: a replicator restarted in the same folder (the instance-failover
        # scenario) keeps what it logged before the kill.
        log = open(log_path, "ab")
        log.write(f"=== started: {' '.join(cmd)}\n".encode())
        log.flush()
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                env=env, cwd=workdir, start_new_session=True)
        return Running(proc, log_path, started)


class Strait(Replicator):
    key, alias_prefix, label = "strait", "strait", "strait"

    def __init__(self, binary: pathlib.Path, marker: str, http_port: int,
                 overrides: Dict[str, str] = None):
        self.binary = binary
        self.marker = marker
        self.http_port = http_port
        # Experiments only (`bench/run.py --strait-set`): the published figures use defaults.
        self.overrides = overrides or {}

    def with_overrides(self, extra: Dict[str, str]) -> "Strait":
        """The same replicator (key, label, topics' prefix) with more settings."""
        merged = {**self.overrides, **extra}
        # `bin=PATH`: another strait binary (an A/B of two builds, taking turns).
        binary = pathlib.Path(merged["bin"]) if "bin" in merged else self.binary
        other = Strait(binary, self.marker, self.http_port, merged)
        other.key, other.alias_prefix, other.label = self.key, self.alias_prefix, self.label
        return other

    def variant(self, name: str, extra: Dict[str, str]) -> "Strait":
        """An experiment (`bench/run.py --variant NAME:KEY=VALUE;...`): results under
        `strait-NAME`, topics under `s<name>`, taking turns with the other replicators."""
        other = self.with_overrides(extra)
        other.key = other.label = f"strait-{name}"
        other.alias_prefix = "s" + "".join(c for c in name.lower() if c.isalnum())
        return other

    def config(self, flow: Flow) -> dict:
        """strait's defaults: only addresses, the topics and the HTTP port are set, plus
        any `--strait-set` overrides: `flow.KEY`, `group.KEY` (the `group:` section),
        `consumer.KEY` (source cluster's consumers), `producer.KEY` (target cluster's
        producers), `env.NAME` (an environment variable of the strait process, such as
        GLIBC_TUNABLES) or `bin` (another strait binary)."""
        tls = {"security.protocol": "SSL", "ssl.ca.location": flow.tls_ca} if flow.tls_ca else {}
        source = {"bootstrap.servers": flow.source_bootstrap, **tls}
        target = {"bootstrap.servers": flow.target_bootstrap, **tls}
        flow_config = {"source": flow.alias, "target": TARGET_ALIAS, "topics": flow.topics}
        group = {}
        for key, value in self.overrides.items():
            scope, _, name = key.partition(".")
            if scope == "flow":
                flow_config[name] = yaml.safe_load(value)
            elif scope == "group":  # several-instance mode: group.enabled=true measures fencing
                group[name] = yaml.safe_load(value)
            elif scope in ("env", "bin"):
                continue  # see start() and with_overrides()
            elif scope in ("consumer", "producer"):
                (source if scope == "consumer" else target).setdefault(scope, {})[name] = value
            else:
                raise ValueError(
                    f"--strait-set {key}: expected flow.*, group.*, consumer.* or producer.*")
        config = {
            "clusters": {flow.alias: source, TARGET_ALIAS: target},
            "flows": [flow_config],
            "http": {"listen": f"127.0.0.1:{self.http_port}"},
        }
        if group:
            config["group"] = group
        return config

    def start(self, flow: Flow, workdir: pathlib.Path, prefix: Sequence[str] = ()) -> Running:
        workdir.mkdir(parents=True, exist_ok=True)
        config = strait.write_config(workdir / "strait.yaml", self.config(flow))
        env = strait.process_env(self.marker)
        env.update({k[4:]: v for k, v in self.overrides.items() if k.startswith("env.")})
        return self._spawn(strait.run_command(self.binary, config), workdir, env, prefix)


class MirrorMaker2(Replicator):
    """MirrorMaker 2's dedicated-mode driver, org.apache.kafka.connect.mirror.MirrorMaker."""

    def __init__(self, marker: str, tuned: bool):
        self.marker = marker
        self.tuned = tuned
        self.key = "mm2-tuned" if tuned else "mm2-default"
        self.alias_prefix = "mm2tun" if tuned else "mm2def"
        self.label = "MM2 tuned" if tuned else "MM2 defaults"

    def properties(self, flow: Flow) -> Dict[str, str]:
        props = {
            "clusters": f"{flow.alias}, {TARGET_ALIAS}",
            f"{flow.alias}.bootstrap.servers": flow.source_bootstrap,
            f"{TARGET_ALIAS}.bootstrap.servers": flow.target_bootstrap,
            f"{flow.alias}->{TARGET_ALIAS}.enabled": "true",
            f"{flow.alias}->{TARGET_ALIAS}.topics": ", ".join(flow.topics),
            **MM2_SINGLE_BROKER,
        }
        if flow.tls_ca:
            # Java reads the same PEM CA (KIP-651); every client of both clusters uses TLS.
            for alias in (flow.alias, TARGET_ALIAS):
                props.update({f"{alias}.security.protocol": "SSL",
                              f"{alias}.ssl.truststore.type": "PEM",
                              f"{alias}.ssl.truststore.location": flow.tls_ca})
        if self.tuned:
            for key, value in MM2_TUNED.items():
                props[key.format(source=flow.alias, target=TARGET_ALIAS)] = value
        return props

    def start(self, flow: Flow, workdir: pathlib.Path, prefix: Sequence[str] = ()) -> Running:
        workdir.mkdir(parents=True, exist_ok=True)
        config = workdir / "mm2.properties"
        config.write_text("".join(f"{k} = {v}\n" for k, v in self.properties(flow).items()))
        cmd = mirrormaker2_command(config, self.marker)
        return self._spawn(cmd, workdir, dict(os.environ), prefix)


def all_replicators(binary: pathlib.Path, marker: str, http_port: int,
                    strait_overrides: Dict[str, str] = None) -> List[Replicator]:
    return [Strait(binary, marker, http_port, strait_overrides),
            MirrorMaker2(marker, tuned=False),
            MirrorMaker2(marker, tuned=True)]
