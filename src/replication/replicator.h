// All flows of one strait process, and how they are reported: /status JSON and /metrics.
// Start/Stop from the owning (main) thread; the report methods from any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "replication/flow.h"

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
  std::vector<std::unique_ptr<Flow>> flows_;
};

}  // namespace strait::replication
