// All flows of one strait process. Start/Stop from the owning (main) thread; Capture,
// Snapshots and Healthy from any thread. The live changes (StopFlows, AddFlow, SetTopology:
// control/controller.h) come from one thread at a time, never during Start or Stop; the flows
// they do not name keep running untouched. How the flows are reported is status/render.h.
#pragma once

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

  // The running flows at one moment: one snapshot per flow and its config, in the same order
  // (config order, then the flows a reload added), and the topology's problems. Taken under
  // one lock, so that a reload never pairs a snapshot with another flow's config.
  struct Flows {
    std::vector<FlowSnapshot> snapshots;
    std::vector<config::FlowConfig> configs;
    std::vector<TopologyProblem> problems;
  };
  Flows Capture() const;
  std::vector<FlowSnapshot> Snapshots() const;
  bool Healthy() const;

 private:
  std::vector<FlowSnapshot> SnapshotsLocked() const;

  // Held while the flows are read, so that a report sees one set of flows; never while a
  // flow drains.
  mutable std::mutex mu_;
  std::vector<config::FlowConfig> configs_;  // enabled flows, in the order of flows_
  std::vector<TopologyProblem> problems_;
  std::vector<std::unique_ptr<Flow>> flows_;
};

}  // namespace strait::replication
