#!/usr/bin/env python3
"""Writes the binary seeds of fuzz/corpus/ (provenance headers and MirrorMaker 2 records),
byte for byte as strait and MirrorMaker 2 write them. The text seeds (YAML, JSON) are kept
by hand. Run from anywhere: python3 fuzz/make_seeds.py"""

import pathlib
import struct

CORPUS = pathlib.Path(__file__).resolve().parent / "corpus"


def kstring(s: bytes) -> bytes:
    return struct.pack(">h", len(s)) + s


def record(key: bytes, value: bytes) -> bytes:
    """The fuzz targets' input form: a two-byte key length, the key, the value."""
    return struct.pack(">H", len(key)) + key + value


def provenance(upstream: int, path, topic: int = 0) -> bytes:
    """Version 2 with the source topic's fingerprint, version 1 without."""
    return bytes([2 if topic else 1]) + struct.pack(">q", upstream) + bytes([len(path)]) + \
        b"".join(struct.pack(">Q", fp) for fp in path) + \
        (struct.pack(">Q", topic) if topic else b"")


def write(target: str, name: str, data: bytes):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def main():
    write("provenance", "one_hop", provenance(0, [0xCBF29CE484222325]))
    write("provenance", "three_hops", provenance(123456789012, [1, 2, 3]))
    write("provenance", "negative_offset", provenance(-1, [7]))
    write("provenance", "wrong_version", b"\x03" + provenance(5, [1])[1:])
    write("provenance", "with_topic", provenance(42, [1, 2], topic=0x1234567890ABCDEF))

    def checkpoint(group, topic, partition, upstream, downstream, metadata):
        key = kstring(group) + kstring(topic) + struct.pack(">i", partition)
        value = struct.pack(">hqq", 0, upstream, downstream) + kstring(metadata)
        return record(key, value)

    write("mm2_checkpoint", "simple", checkpoint(b"g", b"dc1.orders", 3, 5, 7, b""))
    write("mm2_checkpoint", "metadata", checkpoint(b"billing", b"dc1.payments", 0, 1 << 40,
                                                   (1 << 40) - 17, b"consumer-7"))
    write("mm2_checkpoint", "truncated", checkpoint(b"g", b"t", 0, 1, 2, b"meta")[:-3])

    def heartbeat(source, target, ts):
        return record(kstring(source) + kstring(target), struct.pack(">hq", 0, ts))

    write("mm2_heartbeat", "simple", heartbeat(b"dc1", b"dc2", 0x0102030405060708))
    write("mm2_heartbeat", "chain", heartbeat(b"dc1.dc3", b"dc2", 1795431183533))

    # MirrorMaker 2's source offsets in its Connect offsets topic; 0xFF stands for null.
    key = b'["MirrorSourceConnector",{"cluster":"dc1","partition":0,"topic":"orders"}]'
    write("mm2_source_offset", "simple", record(key, b'{"offset":41}'))
    write("mm2_source_offset", "deleted", record(key.replace(b"0", b"3"), b"\xff"))


if __name__ == "__main__":
    main()
