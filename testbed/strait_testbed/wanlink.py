#!/usr/bin/env python3
"""A user-space "netem": a point-to-point link into a network namespace whose TCP
traffic on chosen ports gets a real round-trip time, while TCP itself stays end to end.

Why this exists: a replicator that reads from a distant cluster is limited by
window / RTT, so the benchmark needs a link with a round-trip time on which socket
buffer sizes still matter (Kafka's Java consumer asks for receive.buffer.bytes=65536,
librdkafka leaves the kernel to autotune). toxiproxy can't give that: it terminates TCP
on both sides, so each side talks to a proxy on loopback and the client's receive window
never reaches the sender. The kernel here has no netem (and no fq) qdisc either. So:
two tun devices, one in the root namespace and one in a namespace of our own, and this
process copies the IPv4 packets between them, holding the ones to or from
--delay-ports for half the round-trip time in each direction. Everything else (the
TCP handshake, the windows, the ACK clock, the checksums) is the kernels' own.

    root namespace                              namespace NAME
    10.77.0.1 on wl-NAME  <-- this process -->  10.77.0.2 on wan0
        (point-to-point, peer 10.77.0.2)            (peer 10.77.0.1)

Usage (as root):

    python3 testbed/strait_testbed/wanlink.py up --ns wan --local 10.77.0.1 --remote 10.77.0.2 \\
        --delay-ms 50 --delay-ports 9092,9093 --control /tmp/wan.delay \\
        --pidfile /tmp/wan.pid [--offload] [--mtu N]   # see below; --offload advised
        # prints "ready" on stdout once both devices are up and packets flow; runs in
        # the foreground until SIGTERM/SIGINT, then prints its counters and exits (the
        # tun devices vanish with it; the namespace stays until `down`).
        # A program in the namespace (ip netns exec wan ...) reaches a server bound to
        # 10.77.0.1 in the root namespace, and the other way round via 10.77.0.2.

    python3 testbed/strait_testbed/wanlink.py set --pidfile /tmp/wan.pid --control /tmp/wan.delay --delay-ms 200
        # = echo 200 > /tmp/wan.delay; kill -HUP $(cat /tmp/wan.pid)
        # the new round trip applies to packets read after the signal; packets already
        # held keep their release times, and each queue stays FIFO (a shorter delay
        # makes new packets wait behind the old ones, never overtake them)

    kill -USR1 $(cat /tmp/wan.pid)   # counters to stdout, keeps running

    python3 testbed/strait_testbed/wanlink.py down --ns wan [--pidfile /tmp/wan.pid]
        # stops a running `up` (if --pidfile) and deletes the namespace; clears the
        # leftovers of a crashed run (`up` refuses to start if the namespace exists)

Packets and their cost: the tun devices carry one IP packet per read()/write(), so the
packet rate is what a Python loop must keep up with. Two ways to keep it low:

* default: a large MTU (--mtu 65000), so a full TCP segment is ~64 KB. Simple, but the
  TCP MSS becomes ~64 KB too, which distorts window-limited flows: a 64 KiB receive
  buffer then holds one or two segments, and throughput over 50 ms came out 1.6-2.1
  MB/s instead of the 1.4-1.7 MB/s with a real MSS (and 4.3 instead of 2.2 MB/s for a
  100 KiB send buffer). Prefer --offload for window-limited measurements.
* --offload: the devices keep a normal MTU (default 1500) and are opened with
  IFF_VNET_HDR + TUNSETOFFLOAD(CSUM|TSO4|TSO6), so the sending kernel hands over up to
  64 KB TSO super-packets with a virtio_net_hdr in front; this process passes header
  and packet through unchanged and the receiving kernel takes them like a GRO'd packet
  (checksum left partial, which a local receiver accepts). The MSS is a real 1448 bytes
  while reads stay ~64 KB. The header goes along unchanged: it carries the GSO size
  and the offsets of the partial checksum that the receiving kernel needs.

Classification looks at the IPv4 header and the TCP ports only (source or destination
port in --delay-ports: delayed; anything else, including non-TCP and IPv6: forwarded at
once). The only drops are a safety limit of --max-queue packets per queue (counted and
logged); the kernel's side of each tun device (a ring of txqueuelen packets) can drop
too if this process falls behind: see `ip -s link`.

Speed: at 64 KB per packet the loop is not the limit: an undelayed transfer ran at
1.1-1.7 GB/s with this process at ~65-70% of one core, 10-17% of it Python (the rest is
the kernel's copying, and the receiver's TCP work, which runs inside our write() to a
tun device). 55 MB/s through the 50 ms delay cost it 12-16%. bench/wanlink_check.py
measures all this.

For a Kafka set-up: brokers in the root namespace must listen on and advertise an
address the namespace can reach (--local), and --delay-ports lists their ports; the
rule matches either port, so both directions of every connection to them are delayed
whoever opened it. Note a broker's socket.send.buffer.bytes (default 102400) caps
fetch throughput over the delay whatever the consumer's receive buffer is.
"""

import argparse
import collections
import ctypes
import fcntl
import math
import os
import pathlib
import select
import signal
import struct
import subprocess
import sys
import time

CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
TUNSETOFFLOAD = 0x400454D0
TUNSETVNETHDRSZ = 0x400454D8
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
IFF_VNET_HDR = 0x4000
TUN_F_CSUM, TUN_F_TSO4, TUN_F_TSO6, TUN_F_TSO_ECN = 0x01, 0x02, 0x04, 0x08
VNET_HDR_LEN = 10  # struct virtio_net_hdr (no num_buffers)
NETNS_DIRS = ("/run/netns", "/var/run/netns")
NS_DEV = "wan0"


def log(msg: str) -> None:
    print(f"wanlink: {msg}", file=sys.stderr, flush=True)


def ip(*args: str) -> None:
    r = subprocess.run(["ip", *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {r.stderr.strip()}")


def netns_path(ns: str):
    for d in NETNS_DIRS:
        p = pathlib.Path(d, ns)
        if p.exists():
            return p
    return None


def setns(path: pathlib.Path) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, f"setns({path}): {os.strerror(e)}")
    finally:
        os.close(fd)


def open_tun(name: str, offload: bool) -> int:
    """Create (non-persistent: gone when the fd closes) and open tun device `name` in
    the calling thread's network namespace."""
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_CLOEXEC)
    try:
        flags = IFF_TUN | IFF_NO_PI | (IFF_VNET_HDR if offload else 0)
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", name.encode(), flags))
        if offload:
            fcntl.ioctl(fd, TUNSETVNETHDRSZ, struct.pack("i", VNET_HDR_LEN))
            fcntl.ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN)
        os.set_blocking(fd, False)
        return fd
    except BaseException:
        os.close(fd)
        raise


def configure(dev: str, addr: str, peer: str, mtu: int) -> None:
    try:  # no IPv6 chatter (router solicitations etc.) on the link
        pathlib.Path(f"/proc/sys/net/ipv6/conf/{dev}/disable_ipv6").write_text("1")
    except OSError:
        pass
    ip("addr", "add", addr, "peer", peer, "dev", dev)
    ip("link", "set", "dev", dev, "mtu", str(mtu), "up")


def read_control(path: str, fallback: float) -> float:
    try:
        v = float(pathlib.Path(path).read_text().split()[0])
        if v < 0 or not math.isfinite(v):
            raise ValueError(v)
        return v
    except (OSError, ValueError, IndexError) as e:
        log(f"cannot read a delay from {path} ({e}); keeping {fallback:g} ms")
        return fallback


class Link:
    """The forwarding loop. Direction 0: root -> namespace ("out"), 1: namespace -> root
    ("back"). One FIFO of (release time, packet) per direction for delayed packets;
    the others are written at once."""

    NAMES = ("out", "back")

    def __init__(self, fds, delay_ports, rtt_ms, hdr_len, max_queue, bufsize, control):
        self.fds = fds
        self.delay_ports = frozenset(delay_ports)
        self.half = rtt_ms / 2000.0
        self.rtt_ms = rtt_ms
        self.hdr = hdr_len
        self.max_queue = max_queue
        self.bufsize = bufsize
        self.control = control
        self.queues = (collections.deque(), collections.deque())
        # [direction] -> [packets now, bytes now, packets delayed, bytes delayed]
        self.count = [[0, 0, 0, 0], [0, 0, 0, 0]]
        self.dropped = [0, 0]
        self.write_errors = [0, 0]
        self.max_depth = [0, 0]
        self.stop = False
        self.hup = False
        self.usr1 = False
        self.started = time.monotonic()

    def counters(self) -> str:
        lines = [f"wanlink counters after {time.monotonic() - self.started:.1f} s "
                 f"(round trip now {self.rtt_ms:g} ms on ports "
                 f"{','.join(map(str, sorted(self.delay_ports)))}):"]
        for d in (0, 1):
            pn, bn, pd, bd = self.count[d]
            lines.append(f"  {self.NAMES[d]:4}: now {pn} pkts {bn} B, delayed {pd} pkts {bd} B,"
                         f" queued {len(self.queues[d])} (max {self.max_depth[d]}),"
                         f" dropped {self.dropped[d]}, write errors {self.write_errors[d]}")
        return "\n".join(lines)

    def _write(self, d: int, pkt) -> None:
        try:
            os.write(self.fds[1 - d], pkt)
        except OSError as e:
            self._write_failed(d, pkt, e)

    def _write_failed(self, d: int, pkt, e: OSError) -> None:
        self.write_errors[d] += 1
        if self.write_errors[d] <= 10 or self.write_errors[d] % 1000 == 0:
            log(f"{self.NAMES[d]}: write of {len(pkt)} B failed ({e}); "
                f"{self.write_errors[d]} so far")

    def _pump(self, d: int, now: float) -> None:
        """Read what is waiting on direction d's source (up to a batch) and forward or
        queue it."""
        fd = self.fds[d]
        q = self.queues[d]
        c = self.count[d]
        ports = self.delay_ports
        half = self.half
        hdr = self.hdr
        out = self.fds[1 - d]
        read, write, unpack = os.read, os.write, struct.unpack_from
        size = self.bufsize
        for _ in range(256):
            try:
                pkt = read(fd, size)
            except BlockingIOError:
                return
            delayed = False
            if len(pkt) >= hdr + 24 and pkt[hdr] >> 4 == 4 and pkt[hdr + 9] == 6:
                off = hdr + (pkt[hdr] & 15) * 4
                sport, dport = unpack("!HH", pkt, off)
                delayed = sport in ports or dport in ports
            if delayed and (half > 0 or q):
                if len(q) >= self.max_queue:
                    self.dropped[d] += 1
                    if self.dropped[d] <= 10 or self.dropped[d] % 1000 == 0:
                        log(f"{self.NAMES[d]}: queue full ({self.max_queue}); "
                            f"{self.dropped[d]} packets dropped so far")
                    continue
                q.append((now + half, pkt))
                if len(q) > self.max_depth[d]:
                    self.max_depth[d] = len(q)
                c[2] += 1
                c[3] += len(pkt)
            else:
                try:
                    write(out, pkt)
                except OSError as e:
                    self._write_failed(d, pkt, e)
                    continue
                if delayed:
                    c[2] += 1
                    c[3] += len(pkt)
                else:
                    c[0] += 1
                    c[1] += len(pkt)

    def _release(self, now: float) -> None:
        for d in (0, 1):
            q = self.queues[d]
            while q and q[0][0] <= now:
                self._write(d, q.popleft()[1])

    def _signals(self, wake_r: int) -> None:
        try:
            while os.read(wake_r, 512):
                pass
        except BlockingIOError:
            pass
        if self.hup:
            self.hup = False
            self.rtt_ms = read_control(self.control, self.rtt_ms)
            self.half = self.rtt_ms / 2000.0
            log(f"round trip now {self.rtt_ms:g} ms")
        if self.usr1:
            self.usr1 = False
            print(self.counters(), flush=True)

    def catch_signals(self) -> None:
        """SIGTERM/SIGINT: stop; SIGHUP: re-read the control file; SIGUSR1: counters.
        The handlers only set flags; the wakeup pipe makes select() return."""
        self.wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)

        def on_stop(signum, frame):
            self.stop = True

        def on_hup(signum, frame):
            self.hup = True

        def on_usr1(signum, frame):
            self.usr1 = True

        signal.signal(signal.SIGTERM, on_stop)
        signal.signal(signal.SIGINT, on_stop)
        signal.signal(signal.SIGHUP, on_hup)
        signal.signal(signal.SIGUSR1, on_usr1)

    def run(self) -> None:
        wake_r = self.wake_r
        # select(), not poll(): its timeout has microseconds, poll()'s whole milliseconds
        # (rounded up: ~1 ms too much per direction).
        fd0, fd1 = self.fds
        rlist = [fd0, fd1, wake_r]
        q0, q1 = self.queues
        monotonic = time.monotonic
        sel = select.select
        while not self.stop:
            if q0 or q1:
                nxt = min(q[0][0] for q in self.queues if q)
                timeout = max(0.0, nxt - monotonic())
            else:
                timeout = None
            ready = sel(rlist, (), (), timeout)[0]
            now = monotonic()
            for fd in ready:
                if fd == fd0:
                    self._pump(0, now)
                elif fd == fd1:
                    self._pump(1, now)
                else:
                    self._signals(wake_r)
            if q0 or q1:
                self._release(monotonic())


def cmd_up(a) -> int:
    ns = a.ns
    if netns_path(ns):
        print(f"wanlink: namespace {ns} already exists (a leftover? clear it with "
              f"`{sys.argv[0]} down --ns {ns}`)", file=sys.stderr)
        return 2
    root_dev = a.dev or f"wl-{ns}"[:15]
    if pathlib.Path("/sys/class/net", root_dev).exists():
        print(f"wanlink: device {root_dev} already exists (another wanlink running?)",
              file=sys.stderr)
        return 2
    if a.mtu is None:
        a.mtu = 1500 if a.offload else 65000
    ports = [int(p) for p in a.delay_ports.split(",") if p.strip()] if a.delay_ports else []
    pathlib.Path(a.control).write_text(f"{a.delay_ms:g}\n")

    fds = []
    created = False
    try:
        ip("netns", "add", ns)
        created = True
        ip("-n", ns, "link", "set", "dev", "lo", "up")
        fds.append(open_tun(root_dev, a.offload))
        configure(root_dev, a.local, a.remote, a.mtu)
        setns(netns_path(ns))
        # From here on this process lives in the namespace; the root-side fd stays valid.
        fds.append(open_tun(NS_DEV, a.offload))
        configure(NS_DEV, a.remote, a.local, a.mtu)
    except Exception as e:
        for fd in fds:
            os.close(fd)
        if created:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        print(f"wanlink: setting up failed: {e}", file=sys.stderr)
        return 1

    hdr = VNET_HDR_LEN if a.offload else 0
    bufsize = hdr + max(a.mtu, 65535 if a.offload else 0) + 64
    link = Link(fds, ports, a.delay_ms, hdr, a.max_queue, bufsize, a.control)
    link.catch_signals()
    if a.pidfile:
        pathlib.Path(a.pidfile).write_text(f"{os.getpid()}\n")
    log(f"{root_dev} {a.local} <-> {ns}:{NS_DEV} {a.remote}, mtu {a.mtu}"
        f"{', offload' if a.offload else ''}, round trip {a.delay_ms:g} ms on ports "
        f"{','.join(map(str, ports)) or '(none)'}")
    print("ready", flush=True)
    try:
        link.run()
    finally:
        for fd in fds:
            os.close(fd)
        if a.pidfile:
            try:
                if pathlib.Path(a.pidfile).read_text().strip() == str(os.getpid()):
                    os.unlink(a.pidfile)
            except OSError:
                pass
        print(link.counters(), flush=True)
    return 0


def read_pid(pidfile: str):
    try:
        return int(pathlib.Path(pidfile).read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def cmd_set(a) -> int:
    pid = read_pid(a.pidfile)
    if pid is None:
        print(f"wanlink: no pid in {a.pidfile}", file=sys.stderr)
        return 1
    tmp = pathlib.Path(f"{a.control}.tmp")
    tmp.write_text(f"{a.delay_ms:g}\n")
    os.replace(tmp, a.control)
    os.kill(pid, signal.SIGHUP)
    return 0


def cmd_down(a) -> int:
    rc = 0
    pid = read_pid(a.pidfile) if a.pidfile else None
    if pid is not None:
        try:
            os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                time.sleep(0.05)
                os.kill(pid, 0)
            print(f"wanlink: pid {pid} still running after 5 s", file=sys.stderr)
            rc = 1
        except ProcessLookupError:
            pass
    if netns_path(a.ns):
        r = subprocess.run(["ip", "netns", "del", a.ns], capture_output=True, text=True)
        if r.returncode != 0:
            print(f"wanlink: ip netns del {a.ns}: {r.stderr.strip()}", file=sys.stderr)
            rc = 1
    return rc


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up", help="create the namespace and devices, forward until SIGTERM")
    up.add_argument("--ns", required=True)
    up.add_argument("--local", default="10.77.0.1", help="root-side address")
    up.add_argument("--remote", default="10.77.0.2", help="namespace-side address")
    up.add_argument("--delay-ms", type=float, default=0.0, help="round trip added")
    up.add_argument("--delay-ports", default="", help="TCP ports whose packets are delayed")
    up.add_argument("--control", required=True, help="file with the round trip in ms (SIGHUP)")
    up.add_argument("--pidfile")
    up.add_argument("--mtu", type=int, help="default 65000, or 1500 with --offload")
    up.add_argument("--offload", action="store_true",
                    help="virtio-net headers + TSO: normal MTU, ~64 KB reads")
    up.add_argument("--dev", help=f"root-side device name (default wl-NS); in NS: {NS_DEV}")
    up.add_argument("--max-queue", type=int, default=100_000, help="packets per queue")
    st = sub.add_parser("set", help="change the round trip of a running link")
    st.add_argument("--pidfile", required=True)
    st.add_argument("--control", required=True)
    st.add_argument("--delay-ms", type=float, required=True)
    dn = sub.add_parser("down", help="stop a running link (--pidfile), delete the namespace")
    dn.add_argument("--ns", required=True)
    dn.add_argument("--pidfile")
    a = p.parse_args(argv)
    return {"up": cmd_up, "set": cmd_set, "down": cmd_down}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
