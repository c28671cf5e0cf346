// A rack-aware reassignment plan for the topics whose placement breaks the stretched-cluster
// rules (audit/rules.h), in the JSON format of kafka-reassign-partitions --execute.
//
// The planner moves as little as it can: it keeps replicas that fit their DC's share, keeps
// the current leader first, and fills each DC's share with its least-loaded brokers. Replicas
// are ordered so that DCs alternate, as Kafka's rack-aware assignment does. Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "audit/cluster.h"

namespace strait::audit {

struct PartitionMove {
  std::string topic;
  int32_t partition = 0;
  std::vector<BrokerId> from;
  std::vector<BrokerId> to;
};

struct ReassignmentPlan {
  std::vector<PartitionMove> moves;
  bool empty() const { return moves.empty(); }
};

ReassignmentPlan PlanReassignment(const ClusterDescription& cluster);

// {"version":1,"partitions":[{"topic":...,"partition":...,"replicas":[...]}]}
std::string ReassignmentJson(const ReassignmentPlan& plan);

}  // namespace strait::audit
