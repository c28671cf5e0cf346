// Where a partition resumes after a start, a restart or a producer reset: the first source
// offset the target does not have yet. One interface, one strategy per way of knowing it:
//  - the target log (provenance.headers: true): the provenance header of the last record
//    the flow copied says which source offset comes next. Exact after any crash, and nothing
//    to write while mirroring. When none of the flow's records are left in a remote
//    partition that has held records (retention on the target, deleted records), it asks a
//    progress group instead, and when that knows nothing either, says so: the partition
//    must not start at a guess.
//  - a progress group: the control loop commits acknowledged positions to a consumer group
//    on the target, "strait-progress.<source>-<target>", every couple of seconds and at
//    stop, with the source topic's id in the commit metadata. Without provenance headers it
//    is all there is (the target's own log cannot say), and a crash mirrors again what was
//    acknowledged after the last commit; with them it backs up the target log.
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
#include <utility>
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
  SourceOffset next;          // the first source offset not yet on the target; -1 unknown
  uint64_t source_topic = 0;  // provenance::TopicFingerprint of the source topic; 0 unknown
};

// Where one partition resumes, as a strategy found it.
struct Found {
  // The first source offset not on the target. nullopt: the remote partition has held
  // records, none this flow copied are left and nothing recorded where it stopped, so any
  // position would be a guess (mirroring records again, or skipping some).
  std::optional<SourceOffset> next;
  std::string_view where;  // "target log", "progress group"; empty without `next`
  int64_t log_start = -1;  // the remote partition's log start offset, without `next`
  // The target could not say yet (a remote partition just created has no leader for a
  // while): the partition is not started now and is asked about again.
  bool later = false;
};

// The partitions of one remote topic whose resume point is asked for.
struct ResumeQuery {
  std::string remote_topic;
  // provenance::TopicFingerprint of the source topic's id, 0 when not known: what the
  // target holds of an earlier topic of the same name says nothing about this one, which
  // starts at offset 0.
  uint64_t source_topic = 0;
  std::vector<PartitionId> partitions;
};

// Record() every couple of seconds, or once at stop, after the data path drained: that one
// is the last word and waits longer for the target.
enum class RecordWhen { kRound, kStop };

class ResumeStrategy {
 public:
  virtual ~ResumeStrategy() = default;
  // For each partition of `topics` that the target knows about, by remote topic and
  // partition, where it resumes. Partitions it knows nothing of (nothing was mirrored there
  // yet) are left out: they start at the flow's start.offset. Many topics in one call cost
  // about what one costs (one look-up for all), which a start with thousands of partitions
  // needs.
  virtual Result<std::map<kafka::TopicPartition, Found>> FindAll(
      const std::vector<ResumeQuery>& topics) = 0;
  // FindAll for the partitions of one remote topic.
  Result<std::map<PartitionId, Found>> Find(const std::string& remote_topic, uint64_t source_topic,
                                            const std::vector<PartitionId>& partitions);
  // Keeps acknowledged progress where Find will look for it. A round never waits for the
  // target: while the last commit is still under way (the target does not answer), it is
  // skipped. At stop it waits up to 15 s.
  virtual void Record(const std::vector<Progress>& progress, RecordWhen when) = 0;
  // Where Find looks, for logs: "target log", "progress group".
  virtual std::string_view where() const = 0;
};

// Reads the tails of the remote partitions (`tails` stays owned by the caller); asks
// `progress` (a progress group; may be null) for partitions where none of the flow's records
// are left, and records progress there.
std::unique_ptr<ResumeStrategy> ResumeFromTargetLog(
    provenance::LogSearch* tails, uint64_t source_fingerprint,
    std::unique_ptr<ResumeStrategy> progress = nullptr);
// Commits to and reads the group `group` on the target, through a consumer of its own made
// with the target's consumer properties `target`.
std::unique_ptr<ResumeStrategy> ResumeFromProgressGroup(kafka::Properties target, std::string group,
                                                        std::string flow_name);
// The progress group of flow source -> target.
std::string ProgressGroupName(const std::string& source, const std::string& target);
// The group offsets that record `progress` (positions >= 0), each with its source topic's
// id in the commit metadata.
std::vector<kafka::TopicPartitionOffset> ProgressOffsets(const std::vector<Progress>& progress);

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
// Replaces the log ends (earliest, latest) among `starts` (by source topic and partition)
// by the offsets a ListOffsets look-up answered for them; one without an answer stays an
// end, for the consumer to look up.
void ApplyLogEnds(const std::vector<kafka::TopicPartitionOffset>& answers,
                  std::vector<std::pair<kafka::TopicPartition, StartPoint>>* starts);

}  // namespace strait::replication
