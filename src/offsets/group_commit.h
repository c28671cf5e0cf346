// Committing translated positions to a consumer group the way a failover must: only to a
// group with no active members on that cluster (the broker would refuse a live group's
// commit anyway; this says why first), and only forward unless the caller allows a rewind,
// so that a consumer that already failed over and moved on is never sent back. Used by the
// flow's group sync and by `strait offsets apply`. Thread-compatible.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/status.h"
#include "kafka/admin.h"

namespace strait::offsets {

// A partition left where it is because the group is already further along.
struct KeptPosition {
  std::string topic;
  int32_t partition = 0;
  int64_t current = 0;  // the group's committed offset
  int64_t wanted = 0;   // the translated one, behind it
};

struct CommitPlan {
  std::vector<kafka::TopicPartitionOffset> commit;  // moves the group (forward)
  std::vector<KeptPosition> kept;                   // behind the group's position
};

// Which of `wanted` to commit over the group's `current` positions: those ahead of it, or
// every one that differs with `allow_rewind`. Pure.
CommitPlan PlanCommit(const std::vector<kafka::TopicPartitionOffset>& current,
                      const std::vector<kafka::TopicPartitionOffset>& wanted, bool allow_rewind);

struct CommitResult {
  size_t active_members = 0;  // more than 0: the group is in use there, nothing was committed
  CommitPlan plan;            // what was committed, and what was kept
};

// Reads the group on `admin`'s cluster and commits PlanCommit's positions. An error when a
// call fails or a partition's commit is refused (a member joined meanwhile: the broker
// refuses, as it should).
Result<CommitResult> CommitToIdleGroup(kafka::Admin& admin, const std::string& group,
                                       const std::vector<kafka::TopicPartitionOffset>& wanted,
                                       bool allow_rewind, std::chrono::milliseconds timeout);

}  // namespace strait::offsets
