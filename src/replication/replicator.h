// All flows of one strait process, and how they are reported: /status JSON and /metrics.
// Start/Stop from the owning (main) thread; the report methods from any thread.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "replication/flow.h"
#include "replication/topology.h"

namespace strait::replication {

class Replicator {
 public:
  explicit Replicator(const config::Config& config);

  void Start();
  // Asks every flow to stop, then waits while each drains its in-flight records.
  void Stop();

  std::vector<FlowSnapshot> Snapshots() const;
  std::string StatusJson() const;
  std::string Metrics() const;
  bool Healthy() const;

 private:
  // The replication graph: one edge per flow with its end-to-end lag, and the problems of
  // its shape (topology.h).
  nlohmann::json TopologyJson(const std::vector<FlowSnapshot>& snapshots, int64_t now_ms) const;

  std::vector<config::FlowConfig> configs_;  // enabled flows, in the order of flows_
  std::vector<TopologyProblem> problems_;
  std::vector<std::unique_ptr<Flow>> flows_;
};

}  // namespace strait::replication
