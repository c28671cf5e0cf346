// What a flow shows of itself: a value the control thread publishes after every turn of its
// loop, and any thread may copy (Flow::Snapshot). The partitions are shared with the flow's
// threads; each PartitionState says who writes which of its fields.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "acl/acl_sync.h"
#include "offsets/group_sync.h"
#include "offsets/heartbeats.h"
#include "replication/loop_clock.h"
#include "replication/membership.h"
#include "replication/partition_state.h"

namespace strait::replication {

// kPaused: paused over the control API (control/controller.h); its threads never started.
enum class FlowState { kConnecting, kRunning, kStopping, kStopped, kPaused };
// As /status spells it: connecting, running, stopping, stopped, paused.
std::string_view FlowStateName(FlowState state);

struct TopicStatus {
  std::string source_topic;
  std::string remote_topic;
  int32_t source_partitions = 0;
  int32_t target_partitions = 0;
  std::string error;  // empty when the topic is mirrored
};

struct FlowSnapshot {
  std::string name, source, target;
  FlowState state = FlowState::kConnecting;
  std::string source_error, target_error;
  std::vector<TopicStatus> topics;
  std::vector<std::shared_ptr<const PartitionState>> partitions;
  int64_t inflight_bytes = 0;
  int64_t dropped_duplicates = 0;
  int64_t producer_resets = 0;
  int64_t transactions_rewound = 0;  // group mode: aborted after a rebalance and sent again
  int64_t records_expired = 0;       // deleted at the source (retention) before being mirrored
  int64_t source_truncations = 0;    // source logs found truncated below what was read
  int64_t topic_errors = 0;
  int64_t data_last_loop_ms = 0;  // when the data thread last went round its loop
  // Seconds the data thread spent in each LoopState, indexed by it (loop_clock.h).
  std::array<double, kLoopStates.size()> data_loop_seconds{};
  std::vector<offsets::GroupStatus> groups;
  int64_t checkpoints_written = 0;
  offsets::HeartbeatStatus heartbeats;
  std::optional<acl::AclSyncStatus> acls;  // absent when ACL sync is off
  std::optional<GroupStatus> group;        // absent unless group.enabled
};

}  // namespace strait::replication
