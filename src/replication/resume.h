// Where a partition resumes after a start, a restart or a producer reset: the first source
// offset the target does not have yet. One interface, one strategy per way of knowing it:
//  - the target log (provenance.headers: true): the provenance header of the last record
//    the flow copied says which source offset comes next. Exact after any crash, and nothing
//    to write while mirroring.
//  - a progress group (provenance.headers: false): the target's own log cannot say, so the
//    control loop commits acknowledged positions to a consumer group on the target,
//    "strait-progress.<source>-<target>", every couple of seconds and at stop. A crash
//    mirrors again what was acknowledged after the last commit.
// A fenced, transactional resume (several instances sharing partitions) fits the same
// interface: it finds positions and records progress.
//
// Not thread-safe: owned and called by the flow's control thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/strong_types.h"
#include "config/config.h"
#include "kafka/admin.h"
#include "kafka/types.h"
#include "provenance/log_search.h"
#include "replication/start_at.h"

namespace strait::replication {

// How far one partition has been acknowledged by the target.
struct Progress {
  std::string remote_topic;
  PartitionId partition;
  SourceOffset next;  // the first source offset not yet on the target; -1 unknown
};

class ResumeStrategy {
 public:
  virtual ~ResumeStrategy() = default;
  // For each of `partitions` of the remote topic that the target knows about, the first
  // source offset not on the target. Partitions it knows nothing of are left out.
  // `source_topic` (provenance::TopicFingerprint of the source topic's id, 0 when not known)
  // tells the source topic apart from an earlier one of the same name: what the target holds
  // of that one says nothing about this one, which starts at offset 0.
  virtual Result<std::map<PartitionId, SourceOffset>> Find(
      const std::string& remote_topic, uint64_t source_topic,
      const std::vector<PartitionId>& partitions) = 0;
  // Keeps acknowledged progress where Find will look for it. Called every couple of seconds
  // and once after the data path drained at stop.
  virtual void Record(const std::vector<Progress>& progress) = 0;
  // Where Find looks, for logs: "target log", "progress group".
  virtual std::string_view where() const = 0;
};

// Reads the tails of the remote partitions (`tails` stays owned by the caller).
std::unique_ptr<ResumeStrategy> ResumeFromTargetLog(provenance::LogSearch* tails,
                                                    uint64_t source_fingerprint);
// Commits to and reads the group `group` on the target (`target` stays owned by the caller).
std::unique_ptr<ResumeStrategy> ResumeFromProgressGroup(kafka::Admin* target, std::string group,
                                                        std::string flow_name);
// The progress group of flow source -> target.
std::string ProgressGroupName(const std::string& source, const std::string& target);

// Where the data path starts a partition and why (for the log), in this order: a forced
// position (the source's log bounds after an out-of-range, or the first record a delivery
// failure left off the target), what the strategy found, or the flow's start.offset.
struct StartPoint {
  StartAt at;
  std::string_view from;  // `forced_from`, the strategy's where(), "start.offset"
};
StartPoint ChooseStart(std::optional<SourceOffset> forced, std::string_view forced_from,
                       std::optional<SourceOffset> found, std::string_view found_where,
                       config::StartOffset start_offset);

}  // namespace strait::replication
