"""The test bed: several named clusters, a toxiproxy for their WAN links, and the faults.

State lives in `<root>/state.json` so that separate command-line invocations (and the
cleanup in scripts/test.sh) act on the same processes. Every process the bed starts is
marked with the bed's root (`-Dstrait.testbed=<root>` or STRAIT_TESTBED=<root>), so that
`down` can also find processes whose state was lost.
"""

import json
import os
import pathlib
import shutil
import signal
import time
from typing import Dict, Iterable, List, Optional

from . import paths
from .cluster import Cluster, ClusterSpec, Node, pid_alive, _reap
from .proxy import Toxiproxy

__all__ = ["TestBed", "ClusterSpec"]


class TestBed:
    def __init__(self, root: pathlib.Path = paths.DEFAULT_ROOT,
                 port_base: int = paths.DEFAULT_PORT_BASE):
        self.root = pathlib.Path(root)
        self.port_base = port_base
        self.marker = str(self.root.resolve())
        self.clusters: Dict[str, Cluster] = {}
        self.proxy = Toxiproxy(port_base + 50)
        self.proxy_pid = 0
        self._load()

    # ---- state --------------------------------------------------------------------------

    @property
    def _state_file(self) -> pathlib.Path:
        return self.root / "state.json"

    def _load(self):
        if not self._state_file.exists():
            return
        state = json.loads(self._state_file.read_text())
        self.port_base = state["port_base"]
        self.proxy = Toxiproxy(self.port_base + 50)
        self.proxy_pid = state.get("proxy_pid", 0)
        for alias, c in state["clusters"].items():
            self.clusters[alias] = Cluster.from_state(c, self.port_base, self.root, self.marker)

    def save(self):
        self.root.mkdir(parents=True, exist_ok=True)
        state = {"port_base": self.port_base, "proxy_pid": self.proxy_pid,
                 "clusters": {a: c.to_state() for a, c in self.clusters.items()}}
        tmp = self._state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2))
        tmp.replace(self._state_file)

    def __getitem__(self, alias: str) -> Cluster:
        return self.clusters[alias]

    # ---- lifecycle ----------------------------------------------------------------------

    def _ensure_proxy(self):
        if self.proxy_pid and pid_alive(self.proxy_pid) and self.proxy.alive():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        self.proxy_pid = self.proxy.start(self.root / "toxiproxy.log", self.marker)
        self.save()

    def up(self, *specs: ClusterSpec, timeout: float = 180) -> List[Cluster]:
        """Starts the clusters (in parallel) and returns when every broker answers."""
        self._ensure_proxy()
        started = []
        for spec in specs:
            if spec.alias in self.clusters:
                raise ValueError(f"cluster {spec.alias} is already up")
            taken = [c.index for c in list(self.clusters.values()) + started]
            index = max(taken + [0]) + 1
            cluster = Cluster(spec, index, self.port_base, self.root, self.marker)
            cluster.write_configs()
            started.append(cluster)
        for cluster in started:
            cluster.format_storage()
        for cluster in started:
            cluster.start()
            self.clusters[cluster.spec.alias] = cluster
            for node in cluster.brokers:
                self.proxy.create(cluster.proxy_name(node), node.proxy_port, node.wan_port)
        self.save()
        for cluster in started:
            self.wait_ready(cluster.spec.alias, timeout=timeout)
        return started

    def remove(self, alias: str):
        """Stops one cluster for good and frees its ports (its proxies included), so that a
        cluster started later can take its place."""
        cluster = self.clusters.pop(alias)
        cluster.stop_all()
        if self.proxy.alive():
            for node in cluster.brokers:
                self.proxy.delete(cluster.proxy_name(node))
        shutil.rmtree(cluster.dir, ignore_errors=True)
        self.save()

    def down(self, graceful: bool = False, keep_data: bool = False):
        for cluster in self.clusters.values():
            cluster.stop_all(graceful=graceful)
        if self.proxy_pid and pid_alive(self.proxy_pid):
            os.kill(self.proxy_pid, signal.SIGKILL)
            _wait_gone(self.proxy_pid)
        kill_marked(self.marker)
        self.clusters.clear()
        self.proxy_pid = 0
        if keep_data:
            self.save()
        elif self.root.exists():
            shutil.rmtree(self.root, ignore_errors=True)

    # ---- readiness ----------------------------------------------------------------------

    def wait_ready(self, alias: str, timeout: float = 180, wan: bool = False,
                   brokers: Optional[Iterable[int]] = None):
        """Polls metadata until exactly the expected brokers are registered and unfenced."""
        from confluent_kafka.admin import AdminClient  # the tests' client, linked to librdkafka

        from .kafka import QUIET
        cluster = self.clusters[alias]
        expected = set(brokers) if brokers is not None else {
            n.node_id for n in cluster.brokers if pid_alive(n.pid)}
        live = [n for n in cluster.brokers if n.node_id in expected]
        port = (lambda n: n.proxy_port) if wan else (lambda n: n.local_port)
        bootstrap = ",".join(f"127.0.0.1:{port(n)}" for n in live)
        admin = AdminClient({"bootstrap.servers": bootstrap, "socket.timeout.ms": 3000, **QUIET})
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            for node in cluster.nodes:
                if node.node_id in expected and not pid_alive(node.pid):
                    raise RuntimeError(f"{alias} node {node.node_id} exited:\n"
                                       f"{cluster.log_tail(node)}")
            try:
                md = admin.list_topics(timeout=2)
                registered = set(md.brokers.keys())
                if registered == expected:
                    return
                last = f"brokers {sorted(registered)} registered, want {sorted(expected)}"
            except Exception as e:  # noqa: BLE001 - any client error means "not yet"
                last = str(e)
            time.sleep(0.25)
        raise TimeoutError(f"{alias} not ready after {timeout} s: {last}")

    # ---- faults -------------------------------------------------------------------------

    def _nodes(self, alias: str, node_ids: Optional[Iterable[int]]) -> List[Node]:
        cluster = self.clusters[alias]
        return cluster.nodes if node_ids is None else [cluster.node(i) for i in node_ids]

    def kill(self, alias: str, node_ids: Optional[Iterable[int]] = None):
        """kill -9: a crash, with an unclean shutdown of the log."""
        for node in self._nodes(alias, node_ids):
            self.clusters[alias].kill_node(node, signal.SIGKILL)

    def freeze(self, alias: str, node_ids: Optional[Iterable[int]] = None):
        for node in self._nodes(alias, node_ids):
            self.clusters[alias].send_signal(node, signal.SIGSTOP)

    def thaw(self, alias: str, node_ids: Optional[Iterable[int]] = None):
        for node in self._nodes(alias, node_ids):
            self.clusters[alias].send_signal(node, signal.SIGCONT)

    def restart(self, alias: str, node_ids: Optional[Iterable[int]] = None,
                graceful: bool = True, timeout: float = 180):
        """Stops (SIGTERM, or SIGKILL if not graceful) and starts the nodes again."""
        cluster = self.clusters[alias]
        nodes = self._nodes(alias, node_ids)
        for node in nodes:
            cluster.kill_node(node, signal.SIGTERM if graceful else signal.SIGKILL)
        self.start(alias, [n.node_id for n in nodes], timeout=timeout)

    def start(self, alias: str, node_ids: Optional[Iterable[int]] = None, timeout: float = 180):
        """Starts nodes that were killed, and waits until all live brokers are back."""
        cluster = self.clusters[alias]
        for node in self._nodes(alias, node_ids):
            if not pid_alive(node.pid):
                cluster.start_node(node)
        self.save()
        self.wait_ready(alias, timeout=timeout)

    def cut(self, alias: str):
        """Cuts the WAN link of `alias`: clients in other DCs lose every connection to it."""
        for node in self.clusters[alias].brokers:
            self.proxy.set_enabled(self.clusters[alias].proxy_name(node), False)

    def restore(self, alias: str):
        for node in self.clusters[alias].brokers:
            self.proxy.set_enabled(self.clusters[alias].proxy_name(node), True)

    def set_latency(self, alias: str, rtt_ms: int, jitter_ms: int = 0):
        for node in self.clusters[alias].brokers:
            self.proxy.set_latency(self.clusters[alias].proxy_name(node), rtt_ms, jitter_ms)

    def set_bandwidth(self, alias: str, kilobytes_per_s: int):
        for node in self.clusters[alias].brokers:
            self.proxy.set_bandwidth(self.clusters[alias].proxy_name(node), kilobytes_per_s)


def _wait_gone(pid: int, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while pid_alive(pid) and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.05)


def marked_pids(marker: str) -> List[int]:
    """Processes started by the bed rooted at `marker`, or at a folder inside it (the beds of
    side-by-side test workers), found by their marker."""
    out = []
    for proc in pathlib.Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            environ = (proc / "environ").read_bytes().decode(errors="replace")
        except (FileNotFoundError, PermissionError, ProcessLookupError):
            continue
        if _carries(cmdline, f"-Dstrait.testbed={marker}", " ") or \
                _carries(environ, f"STRAIT_TESTBED={marker}", "\0"):
            out.append(int(proc.name))
    return out


def _carries(text: str, mark: str, end: str) -> bool:
    """`mark` stands in `text` for this root or a folder inside it."""
    return (mark + end) in text or (mark + "/") in text or text.endswith(mark)


def kill_pids(pids: Iterable[int]):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGCONT)
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _wait_gone(pid)


def kill_marked(marker: str):
    kill_pids(marked_pids(marker))


def all_testbed_pids() -> List[int]:
    """Every process any test bed started, whatever its root (for CI's final check)."""
    out = []
    for proc in pathlib.Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            environ = (proc / "environ").read_bytes()
        except (FileNotFoundError, PermissionError, ProcessLookupError):
            continue
        if b"-Dstrait.testbed=" in cmdline or b"STRAIT_TESTBED=" in environ:
            if (proc / "stat").read_text().split()[2] != "Z":
                out.append(int(proc.name))
    return out

