"""MirrorMaker 2's record formats decoded independently of strait's C++ code, so that the
tests check the bytes against MirrorMaker 2's own layouts (Kafka's connect/mirror-client:
Checkpoint.java, Heartbeat.java; summarised in src/mm2/format.h)."""

import struct


def _string(buf: bytes, pos: int):
    (n,) = struct.unpack_from(">h", buf, pos)
    return buf[pos + 2:pos + 2 + n].decode(), pos + 2 + n


def decode_heartbeat(key: bytes, value: bytes):
    source, pos = _string(key, 0)
    target, pos = _string(key, pos)
    assert pos == len(key)
    version, timestamp = struct.unpack(">hq", value)
    assert version == 0
    return source, target, timestamp


def decode_checkpoint(key: bytes, value: bytes):
    group, pos = _string(key, 0)
    topic, pos = _string(key, pos)
    (partition,) = struct.unpack_from(">i", key, pos)
    version, upstream, downstream = struct.unpack_from(">hqq", value, 0)
    metadata, end = _string(value, 18)
    assert version == 0 and end == len(value)
    return group, topic, partition, upstream, downstream, metadata
