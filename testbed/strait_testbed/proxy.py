"""Toxiproxy: the user-space WAN between datacenters (the kernel here has no netem).

One toxiproxy server per test bed; one proxy per broker WAN listener. Latency is split
evenly between the two directions, so `rtt_ms` is the round trip a client sees.
"""

import json
import subprocess
import time
import urllib.error
import urllib.request

from . import paths


class Toxiproxy:
    def __init__(self, api_port: int):
        self.api_port = api_port
        self.url = f"http://127.0.0.1:{api_port}"

    def _call(self, method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            text = resp.read().decode()
            return json.loads(text) if text else None

    def alive(self) -> bool:
        try:
            self._call("GET", "/version")
            return True
        except (urllib.error.URLError, ConnectionError, OSError):
            return False

    def start(self, log_path, marker: str) -> int:
        if not paths.TOXIPROXY.exists():
            raise RuntimeError(f"{paths.TOXIPROXY} missing; run scripts/setup.sh first")
        log = open(log_path, "ab")
        proc = subprocess.Popen(
            [str(paths.TOXIPROXY), "-host", "127.0.0.1", "-port", str(self.api_port)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            env={"PATH": "/usr/bin:/bin", "STRAIT_TESTBED": marker})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"toxiproxy exited with {proc.returncode}; see {log_path}")
            if self.alive():
                return proc.pid
            time.sleep(0.1)
        raise RuntimeError(f"toxiproxy did not answer on port {self.api_port} within 30 s")

    def create(self, name: str, listen_port: int, upstream_port: int):
        self._call("POST", "/proxies", {"name": name, "listen": f"127.0.0.1:{listen_port}",
                                        "upstream": f"127.0.0.1:{upstream_port}",
                                        "enabled": True})

    def delete(self, name: str):
        try:
            self._call("DELETE", f"/proxies/{name}")
        except urllib.error.HTTPError as e:
            if e.code != 404:
                raise

    def set_enabled(self, name: str, enabled: bool):
        self._call("POST", f"/proxies/{name}", {"enabled": enabled})

    def _remove_toxic(self, proxy: str, toxic: str):
        try:
            self._call("DELETE", f"/proxies/{proxy}/toxics/{toxic}")
        except urllib.error.HTTPError as e:
            if e.code != 404:
                raise

    def set_latency(self, name: str, rtt_ms: int, jitter_ms: int = 0):
        for stream in ("upstream", "downstream"):
            toxic = f"latency_{stream}"
            self._remove_toxic(name, toxic)
            if rtt_ms > 0:
                self._call("POST", f"/proxies/{name}/toxics",
                           {"name": toxic, "type": "latency", "stream": stream,
                            "attributes": {"latency": rtt_ms // 2, "jitter": jitter_ms // 2}})

    def set_bandwidth(self, name: str, kilobytes_per_s: int):
        for stream in ("upstream", "downstream"):
            toxic = f"bandwidth_{stream}"
            self._remove_toxic(name, toxic)
            if kilobytes_per_s > 0:
                self._call("POST", f"/proxies/{name}/toxics",
                           {"name": toxic, "type": "bandwidth", "stream": stream,
                            "attributes": {"rate": kilobytes_per_s}})
