"""Runs the strait binary for the end-to-end tests (class Strait: writes its config, starts
`strait run`, waits for its HTTP endpoint, reads /status and /metrics) and the benchmarks
(which start it through write_config, run_command and process_env, under their meters)."""

import json
import os
import pathlib
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from typing import Dict, List, Optional, Tuple

import yaml
from confluent_kafka import KafkaException

from .kafka import end_offsets, wait_for


def write_config(path: pathlib.Path, config: dict) -> pathlib.Path:
    """Writes a strait config as YAML, keys in the order given."""
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def run_command(binary: pathlib.Path, config_path: pathlib.Path) -> List[str]:
    return [str(binary), "run", "--config", str(config_path)]


def process_env(marker: str) -> Dict[str, str]:
    """The environment for a strait process: this one's, plus the test bed's marker, which
    lets TestBed.down() and scripts/test.sh find the process even after a crash."""
    return dict(os.environ, STRAIT_TESTBED=marker)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Strait:
    """One `strait run` process. The process carries the test bed's marker in its
    environment, so scripts/test.sh kills it even if a test crashes."""

    def __init__(self, binary: pathlib.Path, workdir: pathlib.Path, marker: str,
                 clusters: Dict[str, dict], flows: List[dict], log_level: str = "info",
                 http: Optional[dict] = None, env: Optional[Dict[str, str]] = None,
                 port: Optional[int] = None):
        self.binary = binary
        self.workdir = pathlib.Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.marker = marker
        self.port = port or free_port()  # the benchmarks keep to the ports they hold
        # `http` adds keys to the http section (tls.certificate, tls.key, token); the tests'
        # own requests then use HTTPS (trusting http_ca) and the token.
        http = dict(http or {})
        self.config = {"clusters": clusters, "flows": flows,
                       "http": {"listen": f"127.0.0.1:{self.port}", **http},
                       "log": {"level": log_level}}
        self.scheme = "https" if "tls.certificate" in http else "http"
        self.http_ca = http.get("tls.ca") or http.get("tls.certificate")
        self.token = http.get("token")
        self.env = env or {}
        self.config_path = write_config(self.workdir / "strait.yaml", self.config)
        self.log_path = self.workdir / "strait.log"
        self.proc: Optional[subprocess.Popen] = None
        self.starts = 0
        # Where the tests' own clients reach a cluster, when strait's address is one they
        # cannot use (a SASL_SSL listener: Debian's librdkafka cannot log in to it).
        self.tool_bootstrap: Dict[str, str] = {}

    # ---- lifecycle ----------------------------------------------------------------------

    def start(self, wait: bool = True) -> "Strait":
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(run_command(self.binary, self.config_path), stdout=log,
                                     stderr=subprocess.STDOUT,
                                     env=dict(process_env(self.marker), **self.env))
        self.starts += 1
        if wait:
            self.wait_healthy()
        return self

    def wait_healthy(self, timeout: float = 30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"strait exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with self.open("/healthz", timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.1)
        raise TimeoutError(f"strait did not answer /healthz within {timeout} s")

    def write_config(self, text: Optional[str] = None, **changes):
        """Rewrites the config file: with `text` as it is (for invalid files), else with
        `changes` (flows=..., log=...) applied to the current config."""
        if text is None:
            self.config.update(changes)
            text = yaml.safe_dump(self.config, sort_keys=False)
        self.config_path.write_text(text)

    def sighup(self):
        self.proc.send_signal(signal.SIGHUP)

    def cli(self, *args: str, timeout: float = 150) -> subprocess.CompletedProcess:
        """`strait ARGS --config <this instance's config>`, e.g. cli("pause", "dc1->dc2")."""
        return subprocess.run([str(self.binary), *args, "--config", str(self.config_path)],
                              capture_output=True, text=True, timeout=timeout)

    def kill(self):
        """kill -9: a crash at an arbitrary moment."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, then wait for the drain; returns the exit code."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    # ---- observation --------------------------------------------------------------------

    def open(self, path: str, timeout: float = 5, token: Optional[str] = None,
             ca: Optional[str] = None):
        """urlopen on strait's endpoint, with the token (or `token`) and, for HTTPS, a
        context that verifies strait's certificate against `ca` (default: http_ca)."""
        request = urllib.request.Request(f"{self.scheme}://127.0.0.1:{self.port}{path}")
        token = token if token is not None else self.token
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        context = None
        if self.scheme == "https":
            context = ssl.create_default_context(cafile=str(ca or self.http_ca))
        return urllib.request.urlopen(request, timeout=timeout, context=context)

    def _get(self, path: str) -> str:
        with self.open(path) as r:
            return r.read().decode()

    def status(self) -> dict:
        return json.loads(self._get("/status"))

    def metrics(self) -> str:
        return self._get("/metrics")

    def flow(self, name: str) -> dict:
        for f in self.status()["flows"]:
            if f["name"] == name:
                return f
        raise KeyError(name)

    def partition(self, flow: str, topic: str, partition: int) -> Optional[dict]:
        for p in self.flow(flow)["partitions"]:
            if p["topic"] == topic and p["partition"] == partition:
                return p
        return None

    def source_ends(self, flow: str, topics: List[str]) -> Optional[Dict[Tuple[str, int], int]]:
        """The high watermarks of `topics` on the flow's source, or None while unreachable."""
        try:
            alias = self.flow(flow)["source"]
            source = self.tool_bootstrap.get(alias) or \
                self.config["clusters"][alias]["bootstrap.servers"]
            return end_offsets(source, topics)
        except (urllib.error.URLError, ConnectionError, OSError, KeyError, KafkaException):
            return None

    def caught_up(self, flow: str, topics: List[str],
                  ends: Optional[Dict[Tuple[str, int], int]] = None) -> bool:
        """Every partition of `topics` is mirroring and has copied everything up to `ends`
        (by default: what the source holds now). The ends are read from the source itself:
        strait's own watermarks are polled and may predate the test's last produce."""
        ends = ends or self.source_ends(flow, topics)
        if ends is None:
            return False
        try:
            f = self.flow(flow)
        except (urllib.error.URLError, ConnectionError, OSError, KeyError):
            return False
        parts = {(p["topic"], p["partition"]): p for p in f["partitions"] if p["topic"] in topics}
        return ends.keys() <= parts.keys() and all(
            parts[tp]["state"] == "mirroring" and parts[tp]["next_source_offset"] >= end
            for tp, end in ends.items())

    def wait_caught_up(self, flow: str, topics: List[str], timeout: float = 120):
        """Waits until everything the source held when the wait began has been copied; a
        source that keeps receiving records (a live producer) does not move the goal."""
        deadline = time.monotonic() + timeout
        ends = wait_for(lambda: self.source_ends(flow, topics), timeout, f"the ends of {topics}")
        try:
            wait_for(lambda: self.caught_up(flow, topics, ends),
                     max(1.0, deadline - time.monotonic()), f"{flow} to catch up on {topics}")
        except AssertionError as e:
            raise AssertionError(f"{e}\nbehind: {self._behind(flow, topics, ends)}") from None

    def _behind(self, flow, topics, ends):
        """The partitions that have not reached `ends`, for a failure message."""
        try:
            parts = {(p["topic"], p["partition"]): p for p in self.flow(flow)["partitions"]}
        except (urllib.error.URLError, ConnectionError, OSError, KeyError) as e:
            return f"no status: {e}"
        out = []
        for tp, end in sorted(ends.items()):
            p = parts.get(tp)
            if p is None or p["state"] != "mirroring" or p["next_source_offset"] < end:
                out.append({"partition": tp, "end": end, **({k: p[k] for k in (
                    "state", "error", "next_source_offset", "inflight_records")} if p else {})})
        return out

    def metric(self, name: str, **labels) -> Optional[float]:
        for line in self.metrics().splitlines():
            if not line.startswith(name + "{") and not line.startswith(name + " "):
                continue
            if all(f'{k}="{v}"' in line for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
        return None
