"""The benchmark's WAN link (strait_testbed/wanlink.py through link.py): a client inside the
link's namespace sees the round trip it was given on the delayed port only, the delay can
be changed while connections are open, and every byte arrives unchanged.

No Kafka here: a plain TCP echo server in the root namespace and a client run with
`ip netns exec`, so that a failure points at the link and not at a broker."""

import json
import socket
import subprocess
import sys
import threading

import pytest

from strait_testbed import link as wanlink

# It measures round trips: a busy machine would blur them (scripts/test.sh runs it alone).
pytestmark = pytest.mark.alone

NAMESPACE = "strait-test-wan"  # not the bench's: both may run on one machine
ROOT, REMOTE = "10.78.0.1", "10.78.0.2"

# Run inside the namespace: the minimum of several 1-byte echoes on each port (the round
# trip without scheduling noise), and a 4 MiB echo on the delayed port with its digest.
CLIENT = r"""
import hashlib, json, os, socket, sys, time
host, delayed, direct = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def rtt_ms(port):
    with socket.create_connection((host, port), timeout=10) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        best = None
        for _ in range(5):
            t = time.monotonic()
            s.sendall(b"x")
            assert s.recv(1) == b"x"
            ms = (time.monotonic() - t) * 1000
            best = ms if best is None else min(best, ms)
        return best

def echo(port, data):
    with socket.create_connection((host, port), timeout=30) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        got = bytearray()
        while chunk := s.recv(65536):
            got += chunk
    return hashlib.sha256(got).hexdigest(), len(got)

data = os.urandom(4 << 20)
digest, size = echo(delayed, data)
print(json.dumps({"delayed_ms": rtt_ms(delayed), "direct_ms": rtt_ms(direct),
                  "sent_digest": hashlib.sha256(data).hexdigest(), "echo_digest": digest,
                  "echo_bytes": size}))
"""


class EchoServer:
    """Echoes every connection on `host:port` until stopped."""

    def __init__(self, host: str, port: int):
        self.sock = socket.create_server((host, port))
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._echo, args=(conn,), daemon=True).start()

    @staticmethod
    def _echo(conn):
        with conn:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            while data := conn.recv(65536):
                conn.sendall(data)

    def close(self):
        self.sock.close()


@pytest.fixture
def ports(port_base):
    """The delayed port and the direct one, at the end of this session's port block."""
    return port_base + 980, port_base + 981


@pytest.fixture
def link(tmp_path, ports):
    delayed, direct = ports
    wanlink.clear_leftovers(NAMESPACE)
    wl = wanlink.WanLink(tmp_path, [delayed], "strait-test-wanlink", NAMESPACE, ROOT, REMOTE)
    wl.start()
    servers = [EchoServer(ROOT, delayed), EchoServer(ROOT, direct)]
    yield wl
    for s in servers:
        s.close()
    wl.stop()


def measure(wl, ports) -> dict:
    delayed, direct = ports
    out = subprocess.run(wl.wrap([sys.executable, "-c", CLIENT, ROOT, str(delayed), str(direct)]),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_only_the_chosen_ports_get_the_round_trip_and_data_arrives_intact(link, ports):
    link.set_round_trip(50)
    m = measure(link, ports)
    assert 50 <= m["delayed_ms"] < 90, m
    assert m["direct_ms"] < 20, m
    assert m["echo_bytes"] == 4 << 20
    assert m["echo_digest"] == m["sent_digest"]

    link.set_round_trip(120)
    m = measure(link, ports)
    assert 120 <= m["delayed_ms"] < 160, m
    assert m["direct_ms"] < 20, m
