"""The WAN scenario's link: the replicator runs in a network namespace of its own and reaches
both clusters through wanlink.py, a user-space delay line between two tun devices.

Why not the test bed's toxiproxy: it ends TCP on both sides, so a replicator's socket
buffers never meet the round trip (the proxy buffers whatever they lack) and a
window-limited client is not slowed down at all. Through the tun link, the replicator's TCP
connections run end to end with the kernel's own windows, as across a real WAN, and only the
delay is added in user space (this kernel has no netem).

Only packets to or from dc1's LINK listeners are delayed: the replicator sits in the
target's DC, reads the source across the WAN and writes to its local cluster, as both
MirrorMaker 2's documentation and strait's recommend.
"""

import os
import pathlib
import select
import signal
import subprocess
import sys
import time
from typing import List

WANLINK = pathlib.Path(__file__).resolve().parent / "wanlink.py"
NAMESPACE = "strait-bench-wan"
ROOT_ADDRESS = "10.77.0.1"    # the brokers' LINK listeners bind here
REMOTE_ADDRESS = "10.77.0.2"  # the replicator's address inside the namespace


def clear_leftovers(namespace: str = NAMESPACE):
    """Deletes the namespace a killed run may have left behind."""
    subprocess.run([sys.executable, str(WANLINK), "down", "--ns", namespace],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


class WanLink:
    def __init__(self, workdir: pathlib.Path, delayed_ports: List[int], marker: str,
                 namespace: str = NAMESPACE, root_address: str = ROOT_ADDRESS,
                 remote_address: str = REMOTE_ADDRESS):
        self.namespace = namespace
        self.root_address = root_address
        self.remote_address = remote_address
        self.workdir = workdir
        self.delayed_ports = delayed_ports
        self.marker = marker
        self.control = workdir / "wanlink.delay"
        self.pidfile = workdir / "wanlink.pid"
        self.proc = None

    @property
    def pid(self) -> int:
        return self.proc.pid if self.proc else 0

    def start(self, timeout: float = 30):
        """Creates the namespace and both tun devices; returns once packets flow."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.control.write_text("0\n")
        cmd = [sys.executable, str(WANLINK), "up", "--ns", self.namespace,
               "--local", self.root_address, "--remote", self.remote_address, "--delay-ms", "0",
               "--delay-ports", ",".join(str(p) for p in self.delayed_ports),
               "--control", str(self.control), "--pidfile", str(self.pidfile),
               # A normal MTU with TSO super-packets: TCP keeps a real 1448-byte MSS (a
               # window-limited flow behaves as on a real link), while the forwarder still
               # moves ~64 KB per read.
               "--offload"]
        # The marker in the environment lets TestBed.down() find the forwarder after a crash.
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                     stderr=open(self.workdir / "wanlink.log", "wb"),
                                     env=dict(os.environ, STRAIT_TESTBED=self.marker))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"wanlink exited with {self.proc.returncode}: "
                                   + (self.workdir / "wanlink.log").read_text(errors="replace"))
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.5)
            if ready and self.proc.stdout.readline().strip() == b"ready":
                return
        raise RuntimeError(f"wanlink did not come up within {timeout:.0f} s")

    def set_round_trip(self, ms: int):
        """Delays dc1's packets by ms/2 each way, from the next packet on."""
        self.control.write_text(f"{ms}\n")
        os.kill(self.proc.pid, signal.SIGHUP)

    def wrap(self, cmd: List[str]) -> List[str]:
        """`cmd` run inside the namespace (ip netns exec execs it: the pid stays the same)."""
        return ["ip", "netns", "exec", self.namespace, *cmd]

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        clear_leftovers(self.namespace)
