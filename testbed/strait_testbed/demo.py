"""The demo behind scripts/demo.sh: two local clusters and traffic between them."""

import os
import pathlib
import signal
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from .bed import TestBed
from .cluster import ClusterSpec


class _Quiet:
    def log(self, *args, **kwargs):
        pass


def main() -> int:
    root = pathlib.Path(os.environ.get("STRAIT_TESTBED_DIR", "/tmp/strait-demo"))
    bed = TestBed(root=root, port_base=int(os.environ.get("STRAIT_PORT_BASE", "23000")))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        print("starting clusters dc1 and dc2 ...", flush=True)
        bed.down()
        bed = TestBed(root=root, port_base=bed.port_base)
        dc1, dc2 = bed.up(ClusterSpec("dc1"), ClusterSpec("dc2"))
        for c in (dc1, dc2):
            print(f"  {c.spec.alias}: LOCAL {c.bootstrap()}  WAN {c.bootstrap(wan=True)}")
        admin = AdminClient({"bootstrap.servers": dc1.bootstrap(), "logger": _Quiet()})
        admin.create_topics([NewTopic("demo", 3, 1)])["demo"].result(30)
        producer = Producer({"bootstrap.servers": dc1.bootstrap(), "compression.codec": "lz4",
                             "logger": _Quiet()})
        for i in range(1000):
            producer.produce("demo", key=str(i).encode(), value=f"record {i}".encode(),
                             partition=i % 3)
        producer.flush(30)
        print("produced 1000 records to dc1/demo")
        consumer = Consumer({"bootstrap.servers": dc1.bootstrap(wan=True), "group.id": "demo",
                             "logger": _Quiet()})
        consumer.assign([TopicPartition("demo", p, 0) for p in range(3)])
        got, deadline = 0, time.monotonic() + 30
        while got < 1000 and time.monotonic() < deadline:
            got += sum(1 for m in consumer.consume(500, 1) if not m.error())
        consumer.close()
        print(f"consumed {got} records from dc1 through the WAN proxy")
        return 0 if got == 1000 else 1
    except KeyboardInterrupt:
        return 0
    finally:
        bed.down()
        print("clusters stopped; nothing left running")


if __name__ == "__main__":
    sys.exit(main())
