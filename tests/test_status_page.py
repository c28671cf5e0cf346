"""The status page at / in a real browser (Debian's chromium, headless): it renders the live
state of a running strait against the test bed: the replication graph, each flow's figures
and charts, a stopped partition with its reason, and a consumer group with its translated
positions. STRAIT_SCREENSHOT=path also saves the screenshot docs/operations.md shows."""

import os
import pathlib
import re
import shutil
import subprocess
import time

from strait_testbed.e2e import GROUP_SYNC, Feeder, commit_part_of_each_partition, records
from strait_testbed.kafka import Record, create_topic, produce, unique, wait_for

# The machine's network is closed: without these, chromium waits on connections it may not
# make. Root needs --no-sandbox.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


def chromium(tmp_path: pathlib.Path, url: str, *args: str) -> subprocess.CompletedProcess:
    binary = shutil.which("chromium")
    assert binary, "chromium is missing: scripts/setup.sh --tests installs Debian's chromium"
    profile = tmp_path / f"chromium-profile-{time.monotonic_ns()}"
    # The page polls forever; virtual time lets it load, fetch and draw, then ends the run.
    return subprocess.run([binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                           "--virtual-time-budget=8000", *args, url],
                          capture_output=True, text=True, timeout=180)


def test_status_page_renders_the_live_state(dc1_dc2, strait, tmp_path):
    dc1, dc2 = dc1_dc2
    orders, big, group = unique("page-orders"), unique("page-big"), unique("page-billing")
    create_topic(dc1.bootstrap(), orders, 3)
    produce(dc1.bootstrap(), orders, records(900, 3))
    cuts = commit_part_of_each_partition(dc1.bootstrap(), orders, group)
    create_topic(dc1.bootstrap(), big, 1, config={"max.message.bytes": "3000000"})
    produce(dc1.bootstrap(), big, [Record(b"big", b"x" * 1_500_000, [], int(time.time() * 1000))],
            **{"message.max.bytes": 4_000_000})
    back = unique("page-back")
    create_topic(dc2.bootstrap(), back, 1)
    produce(dc2.bootstrap(), back, records(50, 1))
    s = strait({"dc1": {"bootstrap.servers": dc1.bootstrap()},
                "dc2": {"bootstrap.servers": dc2.bootstrap()}},
               [{"source": "dc1", "target": "dc2", "topics": [orders, big], "groups": [group],
                 "config.properties.exclude": ["max\\.message\\.bytes"], **GROUP_SYNC},
                # Groups are translated one way only: with both directions translating it,
                # this group's positions were seen to move while the page was being read.
                {"source": "dc2", "target": "dc1", "topics": [back], "groups": []}])
    s.wait_caught_up("dc1->dc2", [orders])
    s.wait_caught_up("dc2->dc1", [back])  # the page shows both flows running
    wait_for(lambda: (s.partition("dc1->dc2", big, 0) or {}).get("state") == "stopped", 60,
             "the oversized record to stop its partition")
    synced = lambda: [g for g in s.flow("dc1->dc2")["groups"]
                      if g["state"] == "synced" and len(g["positions"]) == len(cuts)]
    positions = wait_for(synced, 60, "the group to be translated")[0]["positions"]
    url = f"http://127.0.0.1:{s.port}/"
    if os.environ.get("STRAIT_SCREENSHOT"):
        # For the docs: a few minutes of traffic, so that the charts have something to draw.
        feeder = Feeder(dc1.bootstrap(), orders, 3, rate=400, tag="shot").start()
        time.sleep(150)  # not a readiness wait: the history being drawn
        feeder.stop()

    dom = chromium(tmp_path, url, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    assert 'data-loaded="true"' in html, html[:2000]
    # The graph: both clusters, one arrow per flow, each running.
    for cluster in ("dc1", "dc2"):
        assert f'data-cluster="{cluster}"' in html
    for name in ("dc1-&gt;dc2", "dc2-&gt;dc1"):
        assert re.search(rf'class="edge" data-flow="{name}" data-state="running"', html), name
        assert f'class="flow" data-flow="{name}"' in html
    assert html.count('class="chart"') == 4  # records/s and lag for each flow
    # The stopped partition, with the reason strait gives in /status.
    row = re.search(rf'<tr data-stopped="dc1-&gt;dc2 {big} 0">(.*?)</tr>', html, re.S)
    assert row and "max.message.bytes" in row.group(1), html
    # The group, synced, with each translated position.
    start = html.find(f'<tr data-group="{group}">')
    assert start >= 0, html
    group_row = html[start:html.index("</details>", start)]  # its cells up to the positions
    assert 'class="state synced"' in group_row, group_row
    for p in positions:
        assert re.search(rf'<td>{p["topic"]}</td><td class="num">{p["partition"]}</td>'
                         rf'<td class="num">{p["source_offset"]}</td>'
                         rf'<td class="num">{p["target_offset"]}</td>', group_row), (p, group_row)
    assert {p["source_offset"] for p in positions} == set(cuts.values())

    shot = pathlib.Path(os.environ.get("STRAIT_SCREENSHOT") or tmp_path / "status-page.png")
    png = chromium(tmp_path, url, f"--screenshot={shot}", "--window-size=1400,1250")
    assert png.returncode == 0 and shot.stat().st_size > 10_000, png.stderr[-2000:]
