// All flows of one strait process, and how they are reported: /status JSON and /metrics.
// Start/Stop from the owning (main) thread; the report methods from any thread. The live
// changes (StopFlows, AddFlow, SetTopology: control/controller.h) come from one thread at a
// time, never during Start or Stop; the flows they do not name keep running untouched.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <mutex>
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

  // Stops the named flows together (each drains its in-flight records), then forgets them.
  void StopFlows(const std::vector<std::string>& names);
  // Adds a flow and starts it, or with `paused` keeps it stopped and reported as "paused".
  void AddFlow(const config::Config& config, const config::FlowConfig& flow, bool paused);
  // The flows of the whole config, for the topology's problems.
  void SetTopology(const std::vector<config::FlowConfig>& flows);

  std::vector<FlowSnapshot> Snapshots() const;
  std::string StatusJson() const;
  std::string Metrics() const;
  bool Healthy() const;

 private:
  // The replication graph: one edge per flow with its end-to-end lag, and the problems of
  // its shape (topology.h).
  nlohmann::json TopologyJson(const std::vector<FlowSnapshot>& snapshots, int64_t now_ms) const;
  std::vector<FlowSnapshot> SnapshotsLocked() const;

  // Held while a report is rendered, so that it sees one set of flows; never while a flow
  // drains.
  mutable std::mutex mu_;
  std::vector<config::FlowConfig> configs_;  // enabled flows, in the order of flows_
  std::vector<TopologyProblem> problems_;
  std::vector<std::unique_ptr<Flow>> flows_;
};

}  // namespace strait::replication
