#include "replication/resume.h"

#include "base/log.h"

namespace strait::replication {
namespace {

using namespace std::chrono_literals;

constexpr std::chrono::milliseconds kAdminTimeout = 15s;

// A record written from a topic of another id: both ids known (a version-1 header, or a
// source without topic ids, says nothing) and different.
bool IsEarlierTopic(uint64_t written_from, uint64_t current) {
  return written_from != 0 && current != 0 && written_from != current;
}

class TargetLog : public ResumeStrategy {
 public:
  TargetLog(provenance::LogSearch* tails, uint64_t source_fingerprint)
      : tails_(tails), source_fp_(source_fingerprint) {}

  Result<std::map<PartitionId, SourceOffset>> Find(
      const std::string& remote_topic, uint64_t source_topic,
      const std::vector<PartitionId>& partitions) override {
    std::vector<int32_t> numbers;
    for (PartitionId p : partitions) numbers.push_back(p.value());
    STRAIT_ASSIGN_OR_RETURN(std::vector<provenance::PartitionTail> tails,
                            tails_->Tails(remote_topic, numbers, source_fp_));
    std::map<PartitionId, SourceOffset> out;
    for (const provenance::PartitionTail& t : tails) {
      if (!t.last_upstream) continue;
      if (IsEarlierTopic(t.last_source_topic, source_topic)) {
        log::Warn("flow",
                  "source topic was deleted and created again: the last record on the target "
                  "came from the earlier topic of that name; the new topic is mirrored from its "
                  "start after it",
                  {{"remote", remote_topic},
                   {"partition", t.partition},
                   {"earlier_topic_last_offset", t.last_upstream->value()}});
        out[PartitionId(t.partition)] = SourceOffset(0);
        continue;
      }
      out[PartitionId(t.partition)] = *t.last_upstream + 1;
    }
    return out;
  }
  void Record(const std::vector<Progress>&) override {}  // the records themselves say it
  std::string_view where() const override { return "target log"; }

 private:
  provenance::LogSearch* tails_;
  const uint64_t source_fp_;
};

class ProgressGroup : public ResumeStrategy {
 public:
  ProgressGroup(kafka::Admin* target, std::string group, std::string flow_name)
      : target_(target), group_(std::move(group)), flow_name_(std::move(flow_name)) {}

  Result<std::map<PartitionId, SourceOffset>> Find(
      const std::string& remote_topic, uint64_t /*source_topic*/,
      const std::vector<PartitionId>& partitions) override {
    std::vector<kafka::TopicPartition> tps;
    for (PartitionId p : partitions) tps.push_back({remote_topic, p.value()});
    STRAIT_ASSIGN_OR_RETURN(std::vector<kafka::TopicPartitionOffset> committed,
                            target_->ListConsumerGroupOffsets(group_, tps, kAdminTimeout));
    std::map<PartitionId, SourceOffset> out;
    for (const kafka::TopicPartitionOffset& o : committed) {
      if (o.error.ok() && o.offset >= 0) out[PartitionId(o.partition)] = SourceOffset(o.offset);
    }
    return out;
  }

  void Record(const std::vector<Progress>& progress) override {
    std::vector<kafka::TopicPartitionOffset> offsets;
    for (const Progress& p : progress) {
      kafka::TopicPartition key{p.remote_topic, p.partition.value()};
      auto it = committed_.find(key);
      if (p.next.value() < 0 || (it != committed_.end() && it->second == p.next.value())) continue;
      offsets.push_back({p.remote_topic, p.partition.value(), p.next.value()});
    }
    if (offsets.empty()) return;
    auto r = target_->AlterConsumerGroupOffsets(group_, offsets, kAdminTimeout);
    if (!r.ok()) {
      log::Warn("flow", "cannot commit progress",
                {{"flow", flow_name_}, {"error", r.status().message()}});
      return;
    }
    for (const kafka::TopicPartitionOffset& o : *r) {
      if (o.error.ok()) committed_[{o.topic, o.partition}] = o.offset;
    }
  }
  std::string_view where() const override { return "progress group"; }

 private:
  kafka::Admin* target_;
  const std::string group_;
  const std::string flow_name_;
  std::map<kafka::TopicPartition, int64_t> committed_;  // what the group holds already
};

}  // namespace

std::unique_ptr<ResumeStrategy> ResumeFromTargetLog(provenance::LogSearch* tails,
                                                    uint64_t source_fingerprint) {
  return std::make_unique<TargetLog>(tails, source_fingerprint);
}

std::unique_ptr<ResumeStrategy> ResumeFromProgressGroup(kafka::Admin* target, std::string group,
                                                        std::string flow_name) {
  return std::make_unique<ProgressGroup>(target, std::move(group), std::move(flow_name));
}

std::string ProgressGroupName(const std::string& source, const std::string& target) {
  return "strait-progress." + source + "-" + target;
}

StartPoint ChooseStart(std::optional<SourceOffset> forced, std::string_view forced_from,
                       std::optional<SourceOffset> found, std::string_view found_where,
                       config::StartOffset start_offset) {
  if (forced) return {StartAt::Offset(*forced), forced_from};
  if (found) return {StartAt::Offset(*found), found_where};
  return {start_offset == config::StartOffset::kEarliest ? StartAt::Earliest() : StartAt::Latest(),
          "start.offset"};
}

}  // namespace strait::replication
