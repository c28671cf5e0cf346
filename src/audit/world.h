// Private to the scenario engine: who is down, who can reach whom and what the quorum can do
// in one scenario, and the per-partition decision that uses it. Pure; thread-safe.
#pragma once

#include <set>

#include "audit/cluster.h"
#include "audit/scenario.h"

namespace strait::audit::internal {

// The cluster as it stands once a scenario has settled.
struct World {
  std::set<BrokerId> dead;     // down, fenced, or never registered
  std::set<BrokerId> failed;   // dead because of this scenario (not already down before)
  std::set<BrokerId> zombies;  // cut: fenced, yet still running and serving local clients
  // A cut with the active controller outside both sides: nobody is fenced, but each leader
  // shrinks its ISR to the replicas it can still reach.
  bool cut_active = false;
  std::set<BrokerId> side_a, side_b;
  ElrState elr = ElrState::kUnknown;
  QuorumOutcome quorum;

  bool Alive(BrokerId b) const { return dead.count(b) == 0; }
  // Whether replication from leader `a` to follower `b` still works.
  bool Reaches(BrokerId a, BrokerId b) const;
};

World BuildWorld(const ClusterDescription& cluster, const Scenario& scenario);

PartitionOutcome Classify(const Topic& topic, const Partition& partition, const World& world);

}  // namespace strait::audit::internal
