"""Command-line face of the test bed: `scripts/testbed <command>` (see docs/testbed.md)."""

import argparse
import json
import sys

from .bed import TestBed, all_testbed_pids, kill_pids
from .cluster import ClusterSpec, pid_alive
from .security import SecuritySpec


def _specs(args) -> list:
    specs = []
    for alias in args.aliases:
        racks = args.racks.split(",") if args.racks else None
        controller_racks = args.controller_racks.split(",") if args.controller_racks else None
        security = None
        if args.secure:
            user, _, password = args.secure.partition(":")
            security = SecuritySpec(users={user: password})
        specs.append(ClusterSpec(alias, brokers=args.brokers, controllers=args.controllers,
                                 racks=racks, controller_racks=controller_racks,
                                 security=security))
    return specs


def cmd_up(bed: TestBed, args):
    bed.up(*_specs(args))
    cmd_status(bed, args)


def cmd_status(bed: TestBed, args):
    if args.json:
        out = {}
        for alias, c in bed.clusters.items():
            out[alias] = {"cluster_id": c.cluster_id, "local": c.bootstrap(),
                          "wan": c.bootstrap(wan=True),
                          "nodes": [{"id": n.node_id, "roles": n.roles, "rack": n.rack,
                                     "pid": n.pid, "alive": pid_alive(n.pid)} for n in c.nodes]}
        print(json.dumps(out, indent=2))
        return
    if not bed.clusters:
        print(f"no clusters under {bed.root}")
        return
    for alias, c in bed.clusters.items():
        print(f"{alias}  cluster id {c.cluster_id}")
        print(f"  LOCAL bootstrap (same DC):    {c.bootstrap()}")
        print(f"  WAN bootstrap (through proxy): {c.bootstrap(wan=True)}")
        if c.spec.security:
            for listener in c.spec.security.listeners:
                print(f"  {listener.name} ({listener.protocol}, client auth "
                      f"{listener.client_auth}): {c.bootstrap(listener=listener.name)}")
            print(f"  CA certificate: {c.ca.cert}; users: "
                  f"{', '.join(c.spec.security.all_users())}")
        for n in c.nodes:
            state = "up" if pid_alive(n.pid) else "down"
            ports = []
            if n.is_broker:
                ports.append(f"local {n.local_port} wan {n.proxy_port}")
            if n.is_controller:
                ports.append(f"controller {n.controller_port}")
            rack = f" rack {n.rack}" if n.rack else ""
            print(f"  node {n.node_id} {'+'.join(n.roles):<17} {state:<4} pid {n.pid:<7} "
                  f"{', '.join(ports)}{rack}")


def cmd_down(bed: TestBed, args):
    bed.down(graceful=args.graceful)
    if args.all:
        kill_pids(all_testbed_pids())
    print("test bed stopped")


def _node_ids(args):
    return [int(x) for x in args.node.split(",")] if args.node else None


def main(argv=None):
    p = argparse.ArgumentParser(prog="testbed", description=__doc__)
    p.add_argument("--root", help="state directory (default $STRAIT_TESTBED_DIR or /tmp/strait-testbed)")
    p.add_argument("--port-base", type=int, help="first port of the bed's range (default 20000)")
    sub = p.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="start clusters: testbed up dc1 dc2")
    up.add_argument("aliases", nargs="+")
    up.add_argument("--brokers", type=int, default=1)
    up.add_argument("--controllers", type=int, default=0,
                    help="controller-only nodes (0: brokers are also controllers)")
    up.add_argument("--racks", help="broker.rack per broker, comma-separated")
    up.add_argument("--controller-racks", help="the DC of each controller, comma-separated")
    up.add_argument("--secure", metavar="USER:PASSWORD",
                    help="SASL_SSL, mutual-TLS and TLS listeners, ACLs enforced, and this user "
                         "(SCRAM and PLAIN) besides the bed's super user")
    up.add_argument("--json", action="store_true")
    st = sub.add_parser("status", help="print clusters, nodes and bootstrap addresses")
    st.add_argument("--json", action="store_true")
    dn = sub.add_parser("down", help="stop everything and delete the data")
    dn.add_argument("--graceful", action="store_true", help="SIGTERM and wait (default: kill -9)")
    dn.add_argument("--all", action="store_true", help="also kill processes of any other bed")

    for name, helptext in [("kill", "kill -9 nodes"), ("freeze", "SIGSTOP nodes"),
                           ("thaw", "SIGCONT nodes"), ("start", "start killed nodes again"),
                           ("restart", "SIGTERM then start nodes")]:
        f = sub.add_parser(name, help=helptext)
        f.add_argument("alias")
        f.add_argument("--node", help="node ids, comma-separated (default: all)")
    for name, helptext in [("cut", "cut the cluster's WAN link"), ("restore", "restore it")]:
        f = sub.add_parser(name, help=helptext)
        f.add_argument("alias")
    lat = sub.add_parser("latency", help="set the WAN round-trip time of a cluster")
    lat.add_argument("alias")
    lat.add_argument("--rtt", type=int, required=True, help="milliseconds (0 removes it)")
    lat.add_argument("--jitter", type=int, default=0)
    bw = sub.add_parser("bandwidth", help="cap the WAN bandwidth per connection")
    bw.add_argument("alias")
    bw.add_argument("--kbps", type=int, required=True, help="kilobytes per second (0 removes it)")

    args = p.parse_args(argv)
    kwargs = {}
    if args.root:
        kwargs["root"] = args.root
    if args.port_base:
        kwargs["port_base"] = args.port_base
    bed = TestBed(**kwargs)
    c = args.command
    if c == "up":
        cmd_up(bed, args)
    elif c == "status":
        cmd_status(bed, args)
    elif c == "down":
        cmd_down(bed, args)
    elif c in ("kill", "freeze", "thaw", "start", "restart"):
        getattr(bed, c)(args.alias, _node_ids(args))
        bed.save()
    elif c == "cut":
        bed.cut(args.alias)
    elif c == "restore":
        bed.restore(args.alias)
    elif c == "latency":
        bed.set_latency(args.alias, args.rtt, args.jitter)
    elif c == "bandwidth":
        bed.set_bandwidth(args.alias, args.kbps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
