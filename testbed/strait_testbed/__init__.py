"""strait's test bed: real Apache Kafka clusters (KRaft) on one machine.

Clusters ("dc1", "dc2", ...) are started from the jars that scripts/setup.sh resolves from
Maven Central, each with a LOCAL listener and a WAN listener reached through toxiproxy, so
that clients in "the other datacenter" see latency and can be cut off. Used by the pytest
suite, the demo, the benchmarks, and by hand through scripts/testbed.
"""

from .bed import TestBed, ClusterSpec  # noqa: F401
from .security import Certificate, Listener, SecuritySpec  # noqa: F401
