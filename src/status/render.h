// What a running strait reports about its flows: the /status JSON (also read by
// `strait status`) and the /metrics text, rendered from the flows' snapshots.
//
// Capture() takes a View of a Replicator; everything else is a pure function of a View, so
// the reports can be tested without a cluster. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "replication/replicator.h"

namespace strait::status {

// One moment of a running process.
struct View {
  std::vector<replication::FlowSnapshot> flows;  // the enabled flows, in config order
  std::vector<config::FlowConfig> configs;       // the same flows' configs, in that order
  std::vector<replication::TopologyProblem> problems;
  int64_t now_ms = 0;
  int64_t kafka_handles_left_behind = 0;  // kafka::HandlesLeftBehind()
};

View Capture(const replication::Replicator& replicator);

// A flow's figures summed over its partitions, for /status's flow and edge views.
struct FlowTotals {
  int64_t records = 0, bytes = 0, lag = 0, loops = 0, not_local = 0;
  double lag_seconds = 0;
  // Partitions whose lag cannot be measured (not in `lag`), and stalled partitions.
  int64_t lag_unknown = 0, stalled = 0;
};
FlowTotals Totals(const replication::FlowSnapshot& s, int64_t now_ms);

// {"flows": [...], "topology": {...}}, indented: docs/operations.md describes every field.
std::string StatusJson(const View& view);
// Prometheus text exposition: docs/operations.md lists every family.
std::string MetricsText(const View& view);

}  // namespace strait::status
