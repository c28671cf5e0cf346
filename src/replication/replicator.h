// All flows of one strait process. Start/Stop from the owning (main) thread; Snapshots and
// Healthy from any thread. How they are reported is status/render.h.
#pragma once

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

  // One snapshot per enabled flow, in config order.
  std::vector<FlowSnapshot> Snapshots() const;
  bool Healthy() const;
  const std::vector<config::FlowConfig>& configs() const { return configs_; }
  const std::vector<TopologyProblem>& problems() const { return problems_; }

 private:
  std::vector<config::FlowConfig> configs_;  // enabled flows, in the order of flows_
  std::vector<TopologyProblem> problems_;
  std::vector<std::unique_ptr<Flow>> flows_;
};

}  // namespace strait::replication
