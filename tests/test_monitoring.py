"""The Grafana dashboard and Prometheus alert rules in monitoring/: the rules pass promtool
(Debian's prometheus package) and their unit tests, every dashboard query is valid PromQL,
and every metric either uses is one that a running strait really exports."""

import json
import pathlib
import re
import shutil
import subprocess
import time

import pytest

from strait_testbed.e2e import clusters, flow
from strait_testbed.kafka import Record, create_topic, produce, unique, wait_for

MONITORING = pathlib.Path(__file__).resolve().parent.parent / "monitoring"
RULES = MONITORING / "prometheus" / "strait-alerts.yml"
RULE_TESTS = MONITORING / "prometheus" / "strait-alerts.test.yml"
DASHBOARD = MONITORING / "grafana" / "strait-dashboard.json"
# Made by Prometheus itself, not by strait.
PROMETHEUS_OWN = {"up"}


def promtool(*args) -> subprocess.CompletedProcess:
    tool = shutil.which("promtool")
    assert tool, "promtool is missing: scripts/setup.sh installs Debian's prometheus package"
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=120)


def dashboard_queries() -> list:
    """Every PromQL expression of the dashboard, its panels' and its variables'."""
    dash = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
    for v in dash["templating"]["list"]:
        q = v.get("query")
        if isinstance(q, dict):
            exprs.append(q["query"])
    return exprs


def rule_queries() -> list:
    import yaml
    rules = yaml.safe_load(RULES.read_text())
    return [r["expr"] for g in rules["groups"] for r in g["rules"]]


def metric_names(exprs) -> set:
    """Metric names in PromQL: identifiers followed by a selector, a range, an operator or
    the end, that are not functions, keywords or label names inside braces or by (...)."""
    names = set()
    for e in exprs:
        e = re.sub(r"\{[^}]*\}", "{}", e)                         # label matchers
        e = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", e)  # grouping labels
        e = re.sub(r'"[^"]*"', "", e)
        for m in re.finditer(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()", e):
            word = m.group(1)
            if word in {"and", "or", "unless", "bool", "offset", "vector", "by", "on"}:
                continue
            if re.fullmatch(r"[a-z]+_[a-z0-9_]+|up", word):
                names.add(word)
    return names


def test_alert_rules_pass_promtool_and_their_unit_tests():
    check = promtool("check", "rules", str(RULES))
    assert check.returncode == 0, check.stdout + check.stderr
    tests = promtool("test", "rules", str(RULE_TESTS))
    assert tests.returncode == 0, tests.stdout + tests.stderr


def test_dashboard_queries_are_valid_promql(tmp_path):
    # promtool parses rule files only: every query becomes a recording rule, with Grafana's
    # variables replaced by what Grafana would put there.
    queries = dashboard_queries()
    rules = []
    for i, q in enumerate(queries):
        if q.startswith("label_values("):
            metric = re.match(r"label_values\((\w+)", q).group(1)
            q = metric
        q = q.replace("$__rate_interval", "1m").replace("$flow", ".*")
        rules.append({"record": f"dashboard:query_{i}", "expr": q})
    path = tmp_path / "dashboard-queries.yml"
    path.write_text(json.dumps({"groups": [{"name": "dashboard", "rules": rules}]}))
    check = promtool("check", "rules", str(path))
    assert check.returncode == 0, check.stdout + check.stderr
    assert len(queries) > 20


def test_metric_names_are_found_in_queries():
    assert metric_names(['sum by (flow) (rate(strait_x_total{flow=~"$flow"}[5m])) > 0 '
                         'unless on (flow) strait_y == 1', "up{job=\"a\"} == 0"]) == \
        {"strait_x_total", "strait_y", "up"}


def test_dashboard_and_rules_use_only_metrics_strait_exports(dc1_dc2, strait):
    dc1, dc2 = dc1_dc2
    used = metric_names(dashboard_queries()) | metric_names(rule_queries())
    assert len(used) > 15, used
    # A running flow with records, one partition stopped by a record too large for the
    # target, and heartbeats arriving, so that every family has samples.
    topic = unique("mon")
    create_topic(dc1.bootstrap(), topic, 2, config={"max.message.bytes": "3000000"})
    now = int(time.time() * 1000)
    produce(dc1.bootstrap(), topic,
            [Record(b"k", b"v%d" % i, [], now + i, partition=1) for i in range(50)] +
            [Record(b"big", b"x" * 1_500_000, [], now, partition=0)],
            **{"message.max.bytes": 4_000_000})
    s = strait(clusters(dc1, dc2), [flow(topic, **{"config.properties.exclude": ["max\\.message\\.bytes"]})])
    sampled = lambda: {line.split("{")[0].split(" ")[0] for line in s.metrics().splitlines()
                       if line and not line.startswith("#")}
    wait_for(lambda: used - PROMETHEUS_OWN <= sampled(), 120,
             f"samples of every metric the dashboard and rules use ({sorted(used)})")
    declared = {line.split()[2] for line in s.metrics().splitlines() if line.startswith("# TYPE")}
    assert used - PROMETHEUS_OWN <= declared, sorted(used - PROMETHEUS_OWN - declared)
    assert s.metric("strait_partition_stopped", flow="dc1->dc2", topic=topic, partition="0",
                    reason="resource_exhausted") == 1
