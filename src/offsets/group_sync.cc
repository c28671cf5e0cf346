#include "offsets/group_sync.h"

#include <fmt/format.h>

#include <chrono>

#include "base/clock.h"
#include "base/log.h"
#include "mm2/format.h"
#include "mm2/naming.h"
#include "offsets/group_commit.h"

namespace strait::offsets {
namespace {

using namespace std::chrono_literals;
constexpr std::chrono::milliseconds kTimeout = 15s;

}  // namespace

std::string_view GroupSyncStateName(GroupSyncState state) {
  switch (state) {
    case GroupSyncState::kSynced:
      return "synced";
    case GroupSyncState::kActiveOnTarget:
      return "active-on-target";
    case GroupSyncState::kWaiting:
      return "waiting";
    case GroupSyncState::kError:
      return "error";
  }
  return "unknown";
}

GroupSync::GroupSync(GroupSyncOptions options, kafka::Admin* source_admin,
                     kafka::Admin* target_admin, std::unique_ptr<mm2::Writer> writer,
                     std::unique_ptr<provenance::LogSearch> target_log,
                     std::unique_ptr<provenance::LogSearch> source_log, uint64_t source_fingerprint,
                     uint64_t target_fingerprint)
    : options_(std::move(options)),
      filter_(options_.groups, options_.groups_exclude),
      source_admin_(source_admin),
      target_admin_(target_admin),
      writer_(std::move(writer)),
      target_log_(std::move(target_log)),
      source_log_(std::move(source_log)),
      translator_(target_log_.get(), source_log_.get(), source_fingerprint, target_fingerprint,
                  options_.mm2_takeover,
                  options_.prefix_naming ? RemoteLog::kMirroredOnly : RemoteLog::kInterleaved) {}

std::string GroupSync::FromTarget(const std::string& topic) const {
  if (!options_.prefix_naming) return "";
  return mm2::UpstreamTopicName(topic, options_.target_alias, options_.separator).value_or("");
}

void GroupSync::RunOnce(const std::vector<MirroredTopic>& topics) {
  Result<std::vector<kafka::GroupListing>> groups = source_admin_->ListConsumerGroups(kTimeout);
  if (!groups.ok()) {
    log::Warn("offsets", "cannot list the source's consumer groups",
              {{"flow", options_.flow_name}, {"error", groups.status().message()}});
    return;
  }
  for (const kafka::GroupListing& g : *groups) {
    if (!filter_.Matches(g.group_id) || g.group_id.starts_with(kProgressGroupPrefix)) continue;
    std::optional<GroupStatus> status = SyncGroup(g.group_id, topics);
    if (!status) continue;
    status->synced_at_ms = NowMs();
    std::lock_guard lock(mu_);
    statuses_[g.group_id] = *status;
  }
}

std::optional<GroupStatus> GroupSync::SyncGroup(const std::string& group,
                                                const std::vector<MirroredTopic>& topics) {
  Result<std::vector<kafka::TopicPartitionOffset>> committed =
      source_admin_->ListConsumerGroupOffsets(group, {}, kTimeout);
  if (!committed.ok()) {
    return GroupStatus{group, GroupSyncState::kError, committed.status().message(), 0, 0};
  }
  std::map<std::string, const MirroredTopic*> by_source;
  for (const MirroredTopic& t : topics) by_source[t.source_topic] = &t;

  std::vector<Translated> translated;
  std::string waiting;
  for (const kafka::TopicPartitionOffset& c : *committed) {
    if (!c.error.ok() || c.offset < 0) continue;
    const SourceOffset committed_at(c.offset);
    const PartitionId partition(c.partition);
    Result<Translation> t = Status(StatusCode::kNotFound, "");
    std::string target_topic;
    auto it = by_source.find(c.topic);
    if (it != by_source.end()) {
      const MirroredPartition* mp = nullptr;
      for (const MirroredPartition& p : it->second->partitions) {
        if (p.partition == partition) mp = &p;
      }
      if (mp == nullptr) continue;  // a partition not mirrored yet
      target_topic = it->second->remote_topic;
      auto cached = written_.find(std::make_tuple(group, target_topic, c.partition));
      if (cached != written_.end() && cached->second.first == committed_at) {
        // Unchanged since the last round: the translation cannot have changed either (the
        // target only grows), and searching the target's log again would cost round trips.
        // With identity naming a new search could only answer lower (the target's own
        // records copied to the source since), and a commit is never moved back anyway.
        translated.push_back(
            {target_topic, c.partition, c.topic, committed_at, cached->second.second, c.metadata});
        continue;
      }
      FlowProgress progress{mp->map.get(), mp->acked_next};
      t = translator_.Forward(target_topic, partition, committed_at, &progress);
    } else if (std::string original = FromTarget(c.topic); !original.empty()) {
      target_topic = original;
      t = translator_.Backward(c.topic, partition, committed_at);
    } else {
      continue;  // not this flow's topic
    }
    if (!t.ok()) return GroupStatus{group, GroupSyncState::kError, t.status().message(), 0, 0};
    log::Debug("offsets", "translated",
               {{"flow", options_.flow_name},
                {"group", group},
                {"topic", c.topic},
                {"partition", c.partition},
                {"committed", c.offset},
                {"target_topic", target_topic},
                {"target", t->offset.value()},
                {"note", t->note}});
    if (t->kind != Translation::Kind::kExact) {
      if (waiting.empty()) waiting = fmt::format("{}[{}]: {}", c.topic, c.partition, t->note);
      continue;
    }
    translated.push_back({target_topic, c.partition, c.topic, committed_at, t->offset, c.metadata});
  }
  if (translated.empty()) {
    if (waiting.empty()) return std::nullopt;
    return GroupStatus{group, GroupSyncState::kWaiting, waiting, 0, 0};
  }
  if (options_.emit_checkpoints) {
    Status s = WriteCheckpoints(group, translated);
    if (!s.ok()) return GroupStatus{group, GroupSyncState::kError, s.message(), 0, 0};
  }
  GroupStatus status = options_.sync_group_offsets
                           ? CommitToTarget(group, translated)
                           : GroupStatus{group, GroupSyncState::kSynced,
                                         "checkpoints only (sync.group.offsets: false)", 0, 0};
  status.partitions = static_cast<int>(translated.size());
  for (const Translated& t : translated) {
    status.positions.push_back({t.topic, t.partition, t.source_topic, t.upstream, t.downstream});
  }
  if (!waiting.empty() && status.state == GroupSyncState::kSynced) {
    status.detail = "partly waiting: " + waiting;
  }
  return status;
}

Status GroupSync::WriteCheckpoints(const std::string& group,
                                   const std::vector<Translated>& translated) {
  std::string topic = mm2::CheckpointsTopic(options_.source_alias, options_.separator);
  int written = 0;
  for (const Translated& t : translated) {
    auto key = std::make_tuple(group, t.topic, t.partition);
    auto it = written_.find(key);
    if (it != written_.end() && it->second == std::make_pair(t.upstream, t.downstream)) continue;
    mm2::Checkpoint c{group,     t.topic, t.partition, t.upstream.value(), t.downstream.value(),
                      t.metadata};
    Result<std::string> record_key = mm2::EncodeCheckpointKey(c);
    Result<std::string> record_value = mm2::EncodeCheckpointValue(c);
    if (!record_key.ok() || !record_value.ok()) {
      // Not representable in MirrorMaker 2's format: this checkpoint is not written.
      return (record_key.ok() ? record_value.status() : record_key.status())
          .WithContext(fmt::format("checkpoint of {}[{}]", t.topic, t.partition));
    }
    STRAIT_RETURN_IF_ERROR(writer_->Write(topic, *record_key, *record_value));
    written_[key] = {t.upstream, t.downstream};
    ++written;
  }
  if (written == 0) return Status::Ok();
  Status s = writer_->Flush(kTimeout);
  if (!s.ok()) {
    // Not written after all: try these again next round.
    for (const Translated& t : translated) {
      written_.erase(std::make_tuple(group, t.topic, t.partition));
    }
    return s.WithContext("writing checkpoints");
  }
  std::lock_guard lock(mu_);
  checkpoints_ += written;
  return Status::Ok();
}

GroupStatus GroupSync::CommitToTarget(const std::string& group,
                                      const std::vector<Translated>& translated) {
  std::vector<kafka::TopicPartitionOffset> wanted;
  for (const Translated& t : translated) {
    wanted.push_back({t.topic, t.partition, t.downstream.value(), t.metadata});
  }
  Result<CommitResult> r = CommitToIdleGroup(*target_admin_, group, wanted,
                                             /*allow_rewind=*/false, kTimeout);
  if (!r.ok()) {
    // AlterConsumerGroupOffsets refused: a member joined between the check and the commit.
    GroupSyncState state = r.status().code() == StatusCode::kFailedPrecondition
                               ? GroupSyncState::kActiveOnTarget
                               : GroupSyncState::kError;
    return {group, state, r.status().message(), 0, 0};
  }
  if (r->active_members > 0) {
    return {group, GroupSyncState::kActiveOnTarget,
            fmt::format("{} active members on {}: offsets not committed; checkpoints written",
                        r->active_members, options_.target_alias),
            0, 0};
  }
  return {group, GroupSyncState::kSynced, "", 0, 0};
}

std::vector<GroupStatus> GroupSync::Statuses() const {
  std::lock_guard lock(mu_);
  std::vector<GroupStatus> out;
  for (const auto& [g, s] : statuses_) out.push_back(s);
  return out;
}

int64_t GroupSync::checkpoints_written() const {
  std::lock_guard lock(mu_);
  return checkpoints_;
}

}  // namespace strait::offsets
