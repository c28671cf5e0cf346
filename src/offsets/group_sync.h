// Consumer-group offset sync for one flow: translates the committed offsets of the
// source's groups to the target, writes them as MirrorMaker 2 checkpoints to
// "<source>.checkpoints.internal" on the target, and commits them to target groups that
// have no active members — only ever forward.
//
// RunOnce() runs on one thread (the flow's offset thread); Statuses() from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "base/name_filter.h"
#include "kafka/admin.h"
#include "mm2/writer.h"
#include "offsets/offset_map.h"
#include "offsets/translator.h"

namespace strait::offsets {

// strait's own progress groups (replication/resume.h) hold another cluster's source offsets,
// not a consumer's position: never translated, whatever `groups` says.
inline constexpr std::string_view kProgressGroupPrefix = "strait-progress.";

// What the flow mirrors, as the group sync sees it.
struct MirroredPartition {
  PartitionId partition;
  std::shared_ptr<const OffsetMap> map;    // kept alive by the round that uses it
  std::optional<SourceOffset> acked_next;  // first source offset not yet on the target
};

struct MirroredTopic {
  std::string source_topic;
  std::string remote_topic;
  std::vector<MirroredPartition> partitions;
};

// Where a group's committed source offset lands on the target.
struct GroupPosition {
  std::string topic;  // on the target
  int32_t partition = 0;
  // The topic the group committed on the source: the one mirrored into `topic`, or, when
  // translating back, the source's copy of `topic` ("dc2.orders" for "orders"). Without it
  // a position translated back reads like one of the source's own "orders".
  std::string source_topic;
  SourceOffset source_offset;
  TargetOffset target_offset;
};

enum class GroupSyncState {
  kSynced,          // translated; committed to the target group (or checkpoints only)
  kActiveOnTarget,  // the group has members on the target: checkpoints only
  kWaiting,         // the group is ahead of what has been mirrored; retried next round
  kError,
};
// As /status and the strait_groups metric spell it: synced, active-on-target, waiting, error.
std::string_view GroupSyncStateName(GroupSyncState state);

struct GroupStatus {
  std::string group;
  GroupSyncState state = GroupSyncState::kSynced;
  std::string detail;
  int partitions = 0;                    // partitions translated in the last round
  int64_t synced_at_ms = 0;              // when the last round finished for this group
  std::vector<GroupPosition> positions;  // the last round's exact translations
};

struct GroupSyncOptions {
  std::string flow_name;
  std::string source_alias;
  std::string target_alias;
  std::string separator = ".";
  bool prefix_naming = true;
  std::vector<std::string> groups;
  std::vector<std::string> groups_exclude;
  bool emit_checkpoints = true;
  bool sync_group_offsets = true;
  // The remote topics start with what MirrorMaker 2 copied (mm2.takeover): positions in that
  // part keep MirrorMaker 2's translation (translator.h).
  bool mm2_takeover = false;
};

class GroupSync {
 public:
  GroupSync(GroupSyncOptions options, kafka::Admin* source_admin, kafka::Admin* target_admin,
            std::unique_ptr<mm2::Writer> writer, std::unique_ptr<provenance::LogSearch> target_log,
            std::unique_ptr<provenance::LogSearch> source_log, uint64_t source_fingerprint,
            uint64_t target_fingerprint);

  void RunOnce(const std::vector<MirroredTopic>& topics);
  std::vector<GroupStatus> Statuses() const;
  int64_t checkpoints_written() const;

 private:
  struct Translated {
    std::string topic;  // on the target
    int32_t partition;
    std::string source_topic;
    SourceOffset upstream;    // committed on the source
    TargetOffset downstream;  // the same position on the target
    std::string metadata;
  };
  // nullopt when the group committed nothing on this flow's topics.
  std::optional<GroupStatus> SyncGroup(const std::string& group,
                                       const std::vector<MirroredTopic>& topics);
  Status WriteCheckpoints(const std::string& group, const std::vector<Translated>& translated);
  GroupStatus CommitToTarget(const std::string& group, const std::vector<Translated>& translated);
  // The original name on the target of a source topic that came from the target ("dc2.x" on
  // dc1 is "x" on dc2), or "" when it did not.
  std::string FromTarget(const std::string& topic) const;

  GroupSyncOptions options_;
  NameFilter filter_;
  kafka::Admin* source_admin_;
  kafka::Admin* target_admin_;
  std::unique_ptr<mm2::Writer> writer_;
  std::unique_ptr<provenance::LogSearch> target_log_;
  std::unique_ptr<provenance::LogSearch> source_log_;
  Translator translator_;
  // (group, target topic, partition) -> (upstream, downstream) last written as checkpoint
  std::map<std::tuple<std::string, std::string, int32_t>, std::pair<SourceOffset, TargetOffset>>
      written_;

  mutable std::mutex mu_;
  std::map<std::string, GroupStatus> statuses_;  // guarded by mu_
  int64_t checkpoints_ = 0;                      // guarded by mu_
};

}  // namespace strait::offsets
