#!/usr/bin/env python3
"""Self-test of the WAN link, testbed/strait_testbed/wanlink.py (as root): does the link have the round-trip time it
was given, and do TCP windows limit throughput the way they do on a real WAN?

    python3 bench/wanlink_check.py [--delay-ms 50] [--seconds 8] [--offload] [--all]
                                   [--json FILE]

Starts `wanlink.py up` (namespace wlcheck), a server in the root namespace on
10.77.0.1 that sends as fast as it can (and echoes on request), and clients inside the
namespace (ip netns exec) that measure:

* the round trip: TCP connect time and a 1-byte echo, on the delayed port and on an
  undelayed one, and again after `wanlink.py set` changed the delay;
* throughput on the delayed port with SO_RCVBUF=65536 set before connect (Kafka's Java
  consumer: receive.buffer.bytes=65536), with the kernel's autotuning (librdkafka's
  default), and with autotuning on the receiver but SO_SNDBUF=102400 on the server's
  accepted socket (a Kafka broker's socket.send.buffer.bytes default);
* throughput on the undelayed port (autotuned; with --all also 64 KiB): the
  forwarder's own ceiling;

and the forwarder's CPU use during each transfer (its system time includes the
receiving kernel's TCP work: a write to a tun device delivers the packet in the
writer's context). Cleans up everything it started.

What it showed on a 2-core Debian 12 VM (kernel 6.18, BBR, tcp_rmem max 32 MiB
inherited by the namespace, tcp_wmem max 4 MiB), 50 ms round trip, --offload:
RTT 50.4-50.8 ms; 64 KiB rcvbuf 1.4-1.7 MB/s (the kernel grants a ~85 KB window from
a 131072-byte rcvbuf); autotuned 53-56 MB/s (capped by the sender's 4 MiB tcp_wmem
max, not by the receiver); broker-default 100 KiB sndbuf 2.2 MB/s; undelayed
1.1-1.6 GB/s at ~65% of one core (mostly system time). Without --offload (MTU 65000)
the MSS is ~64 KB and the window-limited figures come out higher and noisier (64 KiB
rcvbuf 1.6-2.1 MB/s, 100 KiB sndbuf 4.3 MB/s).
"""

import argparse
import json
import os
import pathlib
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = pathlib.Path(__file__).resolve().parent
WANLINK = HERE.parent / "testbed" / "strait_testbed" / "wanlink.py"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def tcp_info(sock) -> dict:
    """A few fields of struct tcp_info (linux/tcp.h)."""
    b = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    u = lambda off: struct.unpack_from("I", b, off)[0]  # noqa: E731
    return {"snd_mss": u(16), "rcv_mss": u(20), "rcv_ssthresh": u(64), "rtt_us": u(68),
            "snd_cwnd": u(80), "rcv_rtt_us": u(92), "rcv_space": u(96),
            "total_retrans": u(100)}


# --- server (root namespace) ---------------------------------------------------------

def serve_conn(conn, out_lock):
    try:
        cmd = conn.recv(1)
        if cmd == b"P":  # echo until closed
            while b := conn.recv(64):
                conn.sendall(b)
        elif cmd == b"S":  # stream until the client goes away
            sndbuf = struct.unpack("!I", conn.recv(4, socket.MSG_WAITALL))[0]
            if sndbuf:  # as a Kafka broker does on accepted sockets
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
            chunk = memoryview(bytearray(256 * 1024))
            sent, last, info = 0, 0.0, {}
            try:
                while True:
                    conn.sendall(chunk)
                    sent += len(chunk)
                    now = time.monotonic()
                    if now - last > 0.5:
                        last, info = now, tcp_info(conn)
            except OSError:
                pass
            info["sent"] = sent
            info["sndbuf"] = conn.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
            with out_lock:
                print(json.dumps({"sender": info}), flush=True)
    except OSError:
        pass
    finally:
        conn.close()


def server(a) -> int:
    lock = threading.Lock()
    socks = []
    for port in a.ports.split(","):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((a.host, int(port)))
        s.listen(16)
        socks.append(s)

    def accept_loop(s):
        while True:
            c, _ = s.accept()
            threading.Thread(target=serve_conn, args=(c, lock), daemon=True).start()

    for s in socks:
        threading.Thread(target=accept_loop, args=(s,), daemon=True).start()
    print("listening", flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    return 0


# --- clients (inside the namespace) --------------------------------------------------

def client_ping(a) -> int:
    t = time.monotonic()
    s = socket.create_connection((a.host, a.port))
    connect_ms = (time.monotonic() - t) * 1000
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(b"P")
    rtts = []
    for _ in range(a.count):
        t = time.monotonic()
        s.sendall(b"x")
        s.recv(1)
        rtts.append((time.monotonic() - t) * 1000)
        time.sleep(0.02)
    s.close()
    print(json.dumps({"connect_ms": connect_ms, "rtt_ms": rtts}))
    return 0


def client_stream(a) -> int:
    s = socket.socket()
    if a.rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.rcvbuf)
    s.connect((a.host, a.port))
    s.sendall(b"S" + struct.pack("!I", a.sndbuf))
    buf = bytearray(1 << 20)
    start = time.monotonic()
    end = start + a.seconds
    steady_from = start + min(2.0, a.seconds / 4)
    total = steady = 0
    first_byte = None
    while (now := time.monotonic()) < end:
        n = s.recv_into(buf)
        if not n:
            break
        if first_byte is None:
            first_byte = now
        total += n
        if now >= steady_from:
            steady += n
    elapsed = time.monotonic() - start
    info = tcp_info(s)
    info["rcvbuf"] = s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    s.close()
    print(json.dumps({"bytes": total, "seconds": elapsed,
                      "mb_s": total / elapsed / 1e6,
                      "steady_mb_s": steady / max(1e-9, end - steady_from) / 1e6,
                      "receiver": info}))
    return 0


# --- the check -----------------------------------------------------------------------

def cpu_seconds(pid: int):
    """(user, system) CPU seconds of process `pid`."""
    f = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(f[11]) / CLK_TCK, int(f[12]) / CLK_TCK


def in_ns(a, *args) -> dict:
    cmd = ["ip", "netns", "exec", a.ns, sys.executable, str(pathlib.Path(__file__).resolve()),
           *args, "--host", a.local]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=a.seconds + 60)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {r.stderr.strip()}")
    return json.loads(r.stdout)


def link_stats(ns, dev) -> str:
    cmd = ["ip", *(["-n", ns] if ns else []), "-s", "link", "show", "dev", dev]
    r = subprocess.run(cmd, capture_output=True, text=True)
    return r.stdout.strip()


def check(a) -> int:
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="wanlink-check-"))
    pidfile, control = tmp / "wanlink.pid", tmp / "delay"
    up_cmd = [sys.executable, str(WANLINK), "up", "--ns", a.ns, "--local", a.local,
              "--remote", a.remote, "--delay-ms", str(a.delay_ms),
              "--delay-ports", str(a.port), "--control", str(control),
              "--pidfile", str(pidfile), *(["--mtu", str(a.mtu)] if a.mtu else []),
              *(["--offload"] if a.offload else [])]
    print("$", " ".join(up_cmd), flush=True)
    link = subprocess.Popen(up_cmd, stdout=subprocess.PIPE, text=True)
    srv = None
    results = {}
    try:
        line = link.stdout.readline().strip()
        if line != "ready":
            link.wait(timeout=10)
            print(f"wanlink up did not start (rc {link.returncode})", file=sys.stderr)
            return 1
        srv = subprocess.Popen([sys.executable, str(pathlib.Path(__file__).resolve()),
                                "_server", "--host", a.local,
                                "--ports", f"{a.port},{a.undelayed_port}"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert srv.stdout.readline().strip() == "listening"

        for port, label in ((a.port, "delayed"), (a.undelayed_port, "undelayed")):
            r = in_ns(a, "_ping", "--port", str(port), "--count", "20")
            rtts = sorted(r["rtt_ms"])
            results[f"rtt {label}"] = r
            print(f"RTT {label:9} port {port}: connect {r['connect_ms']:.2f} ms, echo min "
                  f"{rtts[0]:.2f} / median {rtts[len(rtts) // 2]:.2f} / max {rtts[-1]:.2f} ms",
                  flush=True)

        # (label, port, client SO_RCVBUF, server SO_SNDBUF); 0: autotuned
        # The round trip changed at run time (wanlink.py set: control file + SIGHUP).
        changed = 2 * a.delay_ms if a.delay_ms > 0 else 20
        subprocess.run([sys.executable, str(WANLINK), "set", "--pidfile", str(pidfile),
                        "--control", str(control), "--delay-ms", f"{changed:g}"], check=True)
        time.sleep(0.2)
        r = in_ns(a, "_ping", "--port", str(a.port), "--count", "10")
        rtts = sorted(r["rtt_ms"])
        results["rtt changed"] = r
        print(f"RTT after `set --delay-ms {changed:g}`: connect {r['connect_ms']:.2f} ms, echo "
              f"median {rtts[len(rtts) // 2]:.2f} ms", flush=True)
        subprocess.run([sys.executable, str(WANLINK), "set", "--pidfile", str(pidfile),
                        "--control", str(control), "--delay-ms", f"{a.delay_ms:g}"], check=True)
        time.sleep(0.2)

        runs = [("rcvbuf 64 KiB", a.port, 65536, 0), ("autotuned", a.port, 0, 0),
                ("sndbuf 100 KiB", a.port, 0, 102400), ("autotuned", a.undelayed_port, 0, 0)]
        if a.all:
            runs.append(("rcvbuf 64 KiB", a.undelayed_port, 65536, 0))
        for label, port, rcvbuf, sndbuf in runs:
            delayed = "delayed" if port == a.port else "undelayed"
            (u0, s0), t0 = cpu_seconds(link.pid), time.monotonic()
            r = in_ns(a, "_stream", "--port", str(port), "--rcvbuf", str(rcvbuf),
                      "--sndbuf", str(sndbuf), "--seconds", str(a.seconds))
            (u1, s1), dt = cpu_seconds(link.pid), time.monotonic() - t0
            user, system = (u1 - u0) / dt * 100, (s1 - s0) / dt * 100
            r["sender"] = json.loads(srv.stdout.readline())["sender"]
            r["forwarder_cpu_pct"] = {"user": user, "system": system}
            results[f"{label} {delayed}"] = r
            rx, tx = r["receiver"], r["sender"]
            print(f"{label:14} {delayed:9} port {port}: {r['mb_s']:8.2f} MB/s over "
                  f"{r['seconds']:.1f} s (steady {r['steady_mb_s']:8.2f} MB/s); forwarder "
                  f"CPU {user + system:5.1f}% of a core ({user:.1f}% user); "
                  f"receiver rcvbuf {rx['rcvbuf']} rcv_mss "
                  f"{rx['rcv_mss']} rcv_space {rx['rcv_space']}; sender cwnd "
                  f"{tx.get('snd_cwnd')} x mss {tx.get('snd_mss')} srtt "
                  f"{tx.get('rtt_us', 0) / 1000:.1f} ms retrans {tx.get('total_retrans')} "
                  f"sndbuf {tx['sndbuf']}", flush=True)
        if a.delay_ms > 0:
            bound = 65536 / (a.delay_ms / 1000) / 1e6
            print(f"(64 KiB / {a.delay_ms:g} ms = {bound:.2f} MB/s)")
        print(link_stats(None, f"wl-{a.ns}"[:15]))
        print(link_stats(a.ns, "wan0"))
        if a.json:
            pathlib.Path(a.json).write_text(json.dumps(results, indent=1))
    finally:
        if srv:
            srv.stdin.close()
            srv.terminate()
            srv.wait()
        if link.poll() is None:
            link.terminate()
        try:
            out, _ = link.communicate(timeout=10)
            print(out.strip())
        except subprocess.TimeoutExpired:
            link.kill()
            link.wait()
        subprocess.run([sys.executable, str(WANLINK), "down", "--ns", a.ns])
        for f in (pidfile, control):
            f.unlink(missing_ok=True)
        tmp.rmdir()
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd")
    s = sub.add_parser("_server")
    s.add_argument("--host", required=True)
    s.add_argument("--ports", required=True)
    c = sub.add_parser("_ping")
    c.add_argument("--host", required=True)
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--count", type=int, default=20)
    c = sub.add_parser("_stream")
    c.add_argument("--host", required=True)
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--rcvbuf", type=int, default=0)
    c.add_argument("--sndbuf", type=int, default=0, help="the server's SO_SNDBUF")
    c.add_argument("--seconds", type=float, default=8)
    p.add_argument("--ns", default="wlcheck")
    p.add_argument("--local", default="10.77.0.1")
    p.add_argument("--remote", default="10.77.0.2")
    p.add_argument("--delay-ms", type=float, default=50)
    p.add_argument("--port", type=int, default=27555, help="delayed port")
    p.add_argument("--undelayed-port", type=int, default=27556)
    p.add_argument("--seconds", type=float, default=8)
    p.add_argument("--mtu", type=int, help="default: wanlink's (65000, 1500 with --offload)")
    p.add_argument("--offload", action="store_true")
    p.add_argument("--all", action="store_true", help="also 64 KiB rcvbuf undelayed")
    p.add_argument("--json", help="write the raw results here")
    a = p.parse_args()
    if a.cmd == "_server":
        return server(a)
    if a.cmd == "_ping":
        return client_ping(a)
    if a.cmd == "_stream":
        return client_stream(a)
    return check(a)


if __name__ == "__main__":
    sys.exit(main())
