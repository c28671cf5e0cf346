"""One Kafka cluster of the test bed: its nodes, their configs, processes and ports.

Ports: cluster number i (dc1 is usually 1) owns base + 100*i .. base + 100*i + 99:
  broker n LOCAL listener       base + 100*i + n        (clients in the same DC)
  broker n WAN listener         base + 100*i + 10 + n   (only toxiproxy connects here)
  broker n WAN proxy            base + 100*i + 20 + n   (clients in other DCs)
  node n CONTROLLER listener    base + 100*i + 30 + n
  broker n LINK listener        base + 100*i + 40 + n   (only with ClusterSpec.link_host)
  broker n secured listener k   base + 100*i + 50 + 10*k + n   (only with ClusterSpec.security:
                                SECURE, MTLS and TLS by default, security.py)
"""

import base64
import dataclasses
import os
import pathlib
import signal
import subprocess
import time
import uuid
from typing import Dict, List, Optional

from . import paths
from . import security
from .security import (Certificate, CertificateAuthority, SecuritySpec, broker_certificate,
                       broker_properties, format_arguments)

LOG4J2 = """status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = warn
logger.apache.name = org.apache.kafka
logger.apache.level = warn
logger.state.name = state.change.logger
logger.state.level = warn
"""


@dataclasses.dataclass
class ClusterSpec:
    """What to start. `controllers` = 0 makes every broker also a controller (combined
    mode, the usual single-node cluster); otherwise controller-only nodes are added."""
    alias: str
    brokers: int = 1
    controllers: int = 0
    racks: Optional[List[str]] = None             # broker.rack per broker
    controller_racks: Optional[List[str]] = None  # the DC of each controller (not a Kafka setting)
    overrides: Dict[str, str] = dataclasses.field(default_factory=dict)
    # An address of this machine's end of a simulated WAN link (testbed/strait_testbed/wanlink.py): brokers
    # also listen there, so clients in the link's network namespace reach them through it.
    link_host: Optional[str] = None
    # Secured listeners on every broker (SASL_SSL, mutual TLS, TLS), users and ACLs
    # enforced (security.py).
    security: Optional[SecuritySpec] = None


@dataclasses.dataclass
class Node:
    node_id: int
    roles: List[str]
    rack: Optional[str]
    local_port: int = 0
    wan_port: int = 0
    proxy_port: int = 0
    controller_port: int = 0
    link_port: int = 0
    pid: int = 0

    @property
    def is_broker(self) -> bool:
        return "broker" in self.roles

    @property
    def is_controller(self) -> bool:
        return "controller" in self.roles


def random_cluster_id() -> str:
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


class Cluster:
    def __init__(self, spec: ClusterSpec, index: int, port_base: int, root: pathlib.Path,
                 marker: str, cluster_id: Optional[str] = None, nodes: Optional[List[Node]] = None):
        self.spec = spec
        self.index = index
        self.port_base = port_base + 100 * index
        self.dir = root / spec.alias
        self.marker = marker
        self.cluster_id = cluster_id or random_cluster_id()
        self.nodes = nodes if nodes is not None else self._plan_nodes()

    @property
    def alias(self) -> str:
        return self.spec.alias

    # ---- layout -------------------------------------------------------------------------

    def _plan_nodes(self) -> List[Node]:
        s = self.spec
        if s.brokers + s.controllers > 9:
            raise ValueError(f"{s.alias}: at most 9 nodes per cluster")
        nodes = []
        for n in range(1, s.brokers + 1):
            roles = ["broker"] if s.controllers else ["broker", "controller"]
            rack = s.racks[n - 1] if s.racks else None
            nodes.append(Node(n, roles, rack))
        for c in range(s.controllers):
            rack = s.controller_racks[c] if s.controller_racks else None
            nodes.append(Node(s.brokers + 1 + c, ["controller"], rack))
        for node in nodes:
            n = node.node_id
            if node.is_broker:
                node.local_port = self.port_base + n
                node.wan_port = self.port_base + 10 + n
                node.proxy_port = self.port_base + 20 + n
                if s.link_host:
                    node.link_port = self.port_base + 40 + n
            if node.is_controller:
                node.controller_port = self.port_base + 30 + n
        return nodes

    @property
    def brokers(self) -> List[Node]:
        return [n for n in self.nodes if n.is_broker]

    @property
    def voters(self) -> List[Node]:
        return [n for n in self.nodes if n.is_controller]

    def node(self, node_id: int) -> Node:
        for n in self.nodes:
            if n.node_id == node_id:
                return n
        raise KeyError(f"{self.spec.alias} has no node {node_id}")

    def secured_port(self, node: Node, listener: str) -> int:
        if not self.spec.security:
            raise ValueError(f"{self.alias} was started without security")
        return self.port_base + 50 + 10 * self.spec.security.slot(listener) + node.node_id

    def bootstrap(self, wan: bool = False, link: bool = False, secure: bool = False,
                  listener: Optional[str] = None) -> str:
        """LOCAL listeners; `wan`: through toxiproxy; `link`: the LINK listeners, for
        clients behind the simulated WAN link; `secure`: the SASL_SSL listeners (SECURE);
        `listener`: the secured listener of that name (SECURE, MTLS, TLS, ...)."""
        if secure or listener:
            name = listener or "SECURE"
            return ",".join(f"127.0.0.1:{self.secured_port(n, name)}" for n in self.brokers)
        if link:
            if not self.spec.link_host:
                raise ValueError(f"{self.alias} was started without a link_host")
            return ",".join(f"{self.spec.link_host}:{n.link_port}" for n in self.brokers)
        port = (lambda n: n.proxy_port) if wan else (lambda n: n.local_port)
        return ",".join(f"127.0.0.1:{port(n)}" for n in self.brokers)

    @property
    def ca(self) -> CertificateAuthority:
        """The bed's certificate authority (shared by every secured cluster of the bed)."""
        return CertificateAuthority(self.dir.parent / "pki")

    @property
    def stranger_ca(self) -> CertificateAuthority:
        """A CA no client of the bed trusts, for untrusted broker certificates."""
        return CertificateAuthority(self.dir.parent / "pki-stranger", "stranger-ca")

    def _keystore(self, node: Node, listener: str, kind: Certificate,
                  renewed: bool = False) -> pathlib.Path:
        name = f"{self.alias}-n{node.node_id}-{listener.lower()}-{kind.value}"
        if renewed:  # a new file: the broker reloads a keystore when its location changes
            name += f"-{time.time_ns()}"
        return broker_certificate(self.ca, self.stranger_ca, name, kind)

    def replace_certificate(self, listener: str, kind: Certificate = Certificate.GOOD):
        """Gives every broker's `listener` a new certificate while it runs (a dynamic
        per-broker update of its keystore location, as an operator renews a certificate)."""
        spec = self.spec.security.listener(listener)
        spec.certificate = kind
        for node in self.brokers:
            keystore = self._keystore(node, listener, kind, renewed=True)
            security.configs(self.bootstrap(), "--alter", "--entity-type", "brokers",
                             "--entity-name", str(node.node_id), "--add-config",
                             f"listener.name.{listener.lower()}.ssl.keystore.location={keystore}")

    def proxy_name(self, node: Node) -> str:
        return f"{self.spec.alias}-b{node.node_id}"

    def properties(self, node: Node) -> Dict[str, str]:
        n_brokers = len(self.brokers)
        rf = min(3, n_brokers)
        voters = ",".join(f"{v.node_id}@127.0.0.1:{v.controller_port}" for v in self.voters)
        listeners, advertised = [], []
        if node.is_broker:
            listeners += [f"LOCAL://127.0.0.1:{node.local_port}", f"WAN://127.0.0.1:{node.wan_port}"]
            advertised += [f"LOCAL://127.0.0.1:{node.local_port}",
                           f"WAN://127.0.0.1:{node.proxy_port}"]
            if self.spec.link_host:
                link = f"LINK://{self.spec.link_host}:{node.link_port}"
                listeners.append(link)
                advertised.append(link)
            if self.spec.security:
                for listener in self.spec.security.listeners:
                    url = f"{listener.name}://127.0.0.1:{self.secured_port(node, listener.name)}"
                    listeners.append(url)
                    advertised.append(url)
        if node.is_controller:
            listeners.append(f"CONTROLLER://127.0.0.1:{node.controller_port}")
            advertised.append(f"CONTROLLER://127.0.0.1:{node.controller_port}")
        props = {
            "process.roles": ",".join(node.roles),
            "node.id": str(node.node_id),
            "controller.quorum.voters": voters,
            "listeners": ",".join(listeners),
            "advertised.listeners": ",".join(advertised),
            "listener.security.protocol.map": ",".join(
                f"{name}:{protocol}" for name, protocol in self._protocols().items()),
            "controller.listener.names": "CONTROLLER",
            "log.dirs": str(self.dir / f"n{node.node_id}" / "data"),
            "num.network.threads": "2",
            "num.io.threads": "2",
            "num.partitions": "1",
            "auto.create.topics.enable": "false",
            "group.initial.rebalance.delay.ms": "0",
            "default.replication.factor": str(rf),
            "offsets.topic.replication.factor": str(rf),
            "offsets.topic.num.partitions": "10",
            "transaction.state.log.replication.factor": str(rf),
            "transaction.state.log.min.isr": str(min(2, rf)),
            "transaction.state.log.num.partitions": "10",
            # How often the coordinator aborts transactions past their timeout (10 s by
            # default): a crashed strait instance's open transaction ends within a second of it.
            "transaction.abort.timed.out.transaction.cleanup.interval.ms": "1000",
            "share.coordinator.state.topic.replication.factor": str(rf),
            "share.coordinator.state.topic.min.isr": str(min(2, rf)),
            "broker.heartbeat.interval.ms": "500",
            "broker.session.timeout.ms": "6000",
            "replica.lag.time.max.ms": "2000",
            "log.cleaner.backoff.ms": "1000",
            "log.retention.check.interval.ms": "5000",
        }
        if self.spec.security:
            # The authorizer runs on controllers too; the keystores only matter on brokers.
            keystores = {x.name: self._keystore(node, x.name, x.certificate)
                         for x in self.spec.security.listeners}
            props.update(broker_properties(self.spec.security, keystores, self.ca))
        if node.is_broker:
            props["inter.broker.listener.name"] = "LOCAL"
            if node.rack:
                props["broker.rack"] = node.rack
                props["replica.selector.class"] = \
                    "org.apache.kafka.common.replica.RackAwareReplicaSelector"
        props.update(self.spec.overrides)
        return props

    def _protocols(self) -> Dict[str, str]:
        out = {"LOCAL": "PLAINTEXT", "WAN": "PLAINTEXT", "LINK": "PLAINTEXT",
               "CONTROLLER": "PLAINTEXT"}
        if self.spec.security:
            out.update({x.name: x.protocol for x in self.spec.security.listeners})
        return out

    # ---- processes ----------------------------------------------------------------------

    def _node_dir(self, node: Node) -> pathlib.Path:
        return self.dir / f"n{node.node_id}"

    def log_path(self, node: Node) -> pathlib.Path:
        return self._node_dir(node) / "kafka.log"

    def write_configs(self):
        for node in self.nodes:
            d = self._node_dir(node)
            d.mkdir(parents=True, exist_ok=True)
            (d / "server.properties").write_text(
                "".join(f"{k}={v}\n" for k, v in self.properties(node).items()))
            (d / "log4j2.properties").write_text(LOG4J2)

    def format_storage(self):
        """Formats every node's log dir in parallel (one JVM each)."""
        procs = []
        for node in self.nodes:
            d = self._node_dir(node)
            cmd = [paths.java(), "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", paths.classpath(),
                   f"-Dlog4j2.configurationFile={d / 'log4j2.properties'}",
                   "kafka.tools.StorageTool", "format", f"--cluster-id={self.cluster_id}",
                   "-c", str(d / "server.properties"), "--ignore-formatted"]
            if self.spec.security:
                cmd += format_arguments(self.spec.security)
            procs.append((node, subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                                 stderr=subprocess.STDOUT)))
        for node, proc in procs:
            out, _ = proc.communicate(timeout=120)
            if proc.returncode != 0:
                raise RuntimeError(f"formatting {self.spec.alias} node {node.node_id} failed:\n"
                                   f"{out.decode(errors='replace')}")

    def start_node(self, node: Node):
        d = self._node_dir(node)
        log = open(self.log_path(node), "ab")
        cmd = [paths.java(), *paths.DEFAULT_JVM_OPTS, "-Djava.awt.headless=true",
               f"-Dlog4j2.configurationFile={d / 'log4j2.properties'}",
               f"-Dstrait.testbed={self.marker}", "-cp", paths.classpath(),
               "kafka.Kafka", str(d / "server.properties")]
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, cwd=d)
        node.pid = proc.pid

    def start(self):
        for node in self.nodes:
            self.start_node(node)

    def send_signal(self, node: Node, sig: int):
        if pid_alive(node.pid):
            os.kill(node.pid, sig)

    def kill_node(self, node: Node, sig: int = signal.SIGKILL, wait: bool = True):
        self.send_signal(node, sig)
        if wait:
            deadline = time.monotonic() + 60
            while pid_alive(node.pid) and time.monotonic() < deadline:
                _reap(node.pid)
                time.sleep(0.05)
            if pid_alive(node.pid):
                os.kill(node.pid, signal.SIGKILL)

    def stop_all(self, graceful: bool = False):
        for node in self.nodes:
            self.send_signal(node, signal.SIGCONT)  # a SIGSTOPped JVM ignores SIGTERM otherwise
            self.send_signal(node, signal.SIGTERM if graceful else signal.SIGKILL)
        for node in self.nodes:
            self.kill_node(node, signal.SIGKILL if not graceful else signal.SIGTERM)

    def log_tail(self, node: Node, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path(node).read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    def to_state(self) -> dict:
        return {"spec": dataclasses.asdict(self.spec), "index": self.index,
                "cluster_id": self.cluster_id,
                "nodes": [dataclasses.asdict(n) for n in self.nodes]}

    @classmethod
    def from_state(cls, state: dict, port_base: int, root: pathlib.Path, marker: str) -> "Cluster":
        spec = dict(state["spec"])
        if spec.get("security") is not None:
            spec["security"] = SecuritySpec.from_state(spec["security"])
        return cls(ClusterSpec(**spec), state["index"], port_base, root, marker,
                   state["cluster_id"], [Node(**n) for n in state["nodes"]])


def _reap(pid: int):
    """Collects an exited child so that it does not linger as a zombie."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
