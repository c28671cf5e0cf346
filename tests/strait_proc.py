"""Runs the strait binary in end-to-end tests: writes its config, starts `strait run`,
waits for its HTTP endpoint, and reads /status and /metrics."""

import json
import os
import pathlib
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from typing import Dict, List, Optional

import yaml


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Strait:
    """One `strait run` process. The process carries the test bed's marker in its
    environment, so scripts/test.sh kills it even if a test crashes."""

    def __init__(self, binary: pathlib.Path, workdir: pathlib.Path, marker: str,
                 clusters: Dict[str, dict], flows: List[dict], log_level: str = "info"):
        self.binary = binary
        self.workdir = pathlib.Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.marker = marker
        self.port = free_port()
        self.config = {"clusters": clusters, "flows": flows,
                       "http": {"listen": f"127.0.0.1:{self.port}"}, "log": {"level": log_level}}
        self.config_path = self.workdir / "strait.yaml"
        self.config_path.write_text(yaml.safe_dump(self.config, sort_keys=False))
        self.log_path = self.workdir / "strait.log"
        self.proc: Optional[subprocess.Popen] = None
        self.starts = 0

    # ---- lifecycle ----------------------------------------------------------------------

    def start(self, wait: bool = True) -> "Strait":
        log = open(self.log_path, "ab")
        env = dict(os.environ, STRAIT_TESTBED=self.marker)
        self.proc = subprocess.Popen([str(self.binary), "run", "--config", str(self.config_path)],
                                     stdout=log, stderr=subprocess.STDOUT, env=env)
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
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.1)
        raise TimeoutError(f"strait did not answer /healthz within {timeout} s")

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

    def _get(self, path: str) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
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

    def caught_up(self, flow: str, topics: List[str]) -> bool:
        """Every partition of `topics` is mirroring with no lag."""
        try:
            f = self.flow(flow)
        except (urllib.error.URLError, ConnectionError, OSError, KeyError):
            return False
        parts = [p for p in f["partitions"] if p["topic"] in topics]
        seen = {p["topic"] for p in parts}
        return seen == set(topics) and all(
            p["state"] == "mirroring" and p["lag_records"] == 0 and p["source_high_watermark"] >= 0
            for p in parts)

    def metric(self, name: str, **labels) -> Optional[float]:
        for line in self.metrics().splitlines():
            if not line.startswith(name + "{") and not line.startswith(name + " "):
                continue
            if all(f'{k}="{v}"' in line for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
        return None
