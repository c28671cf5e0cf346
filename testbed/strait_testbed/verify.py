"""The end-to-end verifier: every source record is in the target exactly once, in order,
in the same partition, with its key, value, headers and timestamp."""

import dataclasses
import struct
from typing import Dict, List, Optional

from .kafka import Record, consume_all

PROVENANCE = "strait.provenance"


def provenance(record: Record):
    """(upstream offset, path) from strait's header (version 1, or 2 with the source topic's
    fingerprint after the path), or None."""
    for k, v in record.headers:
        if k == PROVENANCE and v is not None and len(v) >= 10 and v[0] in (1, 2):
            (upstream,) = struct.unpack(">q", v[1:9])
            hops = v[9]
            path = [struct.unpack(">Q", v[10 + 8 * i:18 + 8 * i])[0] for i in range(hops)]
            return upstream, path
    return None


def user_headers(record: Record):
    return [(k, v) for k, v in record.headers if k != PROVENANCE]


@dataclasses.dataclass
class Report:
    source_records: int = 0
    target_records: int = 0
    missing: List[str] = dataclasses.field(default_factory=list)
    duplicated: List[str] = dataclasses.field(default_factory=list)
    out_of_order: List[str] = dataclasses.field(default_factory=list)
    different: List[str] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.duplicated or self.out_of_order or self.different)

    def __str__(self):
        return (f"source {self.source_records}, target {self.target_records}; "
                f"missing {len(self.missing)} {self.missing[:5]}, "
                f"duplicated {len(self.duplicated)} {self.duplicated[:5]}, "
                f"out of order {len(self.out_of_order)} {self.out_of_order[:5]}, "
                f"different {len(self.different)} {self.different[:5]}")


def compare(source: List[Record], target: List[Record],
            target_filter=lambda r: True) -> Report:
    """Matches target records to source records by the provenance header's upstream offset
    (per partition), so that a duplicate is seen as a duplicate and not as a shift."""
    report = Report(len(source), 0)
    by_partition: Dict[int, Dict[int, Record]] = {}
    for r in source:
        by_partition.setdefault(r.partition, {})[r.offset] = r
    seen: Dict[int, set] = {}
    last_upstream: Dict[int, int] = {}
    for t in target:
        if not target_filter(t):
            continue
        report.target_records += 1
        prov = provenance(t)
        where = f"target p{t.partition}@{t.offset}"
        if prov is None:
            report.different.append(f"{where}: no provenance header")
            continue
        upstream = prov[0]
        src = by_partition.get(t.partition, {}).get(upstream)
        if src is None:
            report.different.append(f"{where}: upstream offset {upstream} not in source p{t.partition}")
            continue
        if upstream in seen.setdefault(t.partition, set()):
            report.duplicated.append(f"p{t.partition}@{upstream}")
            continue
        seen[t.partition].add(upstream)
        if last_upstream.get(t.partition, -1) > upstream:
            report.out_of_order.append(f"p{t.partition}@{upstream}")
        last_upstream[t.partition] = upstream
        if (src.key, src.value, user_headers(src), src.timestamp) != \
                (t.key, t.value, user_headers(t), t.timestamp):
            report.different.append(f"p{t.partition}@{upstream}: {src} != {t}")
    for p, records in by_partition.items():
        for offset in records:
            if offset not in seen.get(p, set()):
                report.missing.append(f"p{p}@{offset}")
    return report


def verify_topic(source_bootstrap: str, topic: str, target_bootstrap: str, remote: str,
                 expect: Optional[int] = None) -> Report:
    source = consume_all(source_bootstrap, topic, expect=expect)
    target = consume_all(target_bootstrap, remote, expect=expect)
    return compare(source, target)
