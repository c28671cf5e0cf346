#include "replication/resume.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "base/log.h"
#include "kafka/consumer.h"
#include "offsets/group_sync.h"

namespace strait::replication {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kAdminTimeout = 15s;
// Kafka expires a committed offset of a group without members offsets.retention.minutes
// (7 days by default) after it was committed: positions that do not move are committed
// again now and then so that an idle partition keeps its own.
constexpr std::chrono::minutes kRecommitAfter = 60min;
constexpr std::chrono::seconds kRetryCommitAfter = 30s;
constexpr std::string_view kTopicMetadata = "source-topic=";
// The group coordinator writes one commit as one record batch on __consumer_offsets, which
// refuses a batch over its max.message.bytes (1 MiB by default): a commit of ~9,000
// partitions (about 120 bytes each) failed with UNKNOWN_SERVER_ERROR, every time. Commits
// are cut to about this many bytes, a round sending one.
constexpr size_t kCommitBytes = size_t{64} * 1024;
// What one committed offset costs in that batch beyond its names and metadata: the key's
// and value's fixed fields and the record's framing, rounded up.
constexpr size_t kCommitRecordBytes = 48;

// A record written from a topic of another id: both ids known (a version-1 header, or a
// source without topic ids, says nothing) and different.
bool IsEarlierTopic(uint64_t written_from, uint64_t current) {
  return written_from != 0 && current != 0 && written_from != current;
}

// The source topic's fingerprint in a progress commit's metadata, so that a position of an
// earlier topic of the same name is not taken for this one's.
std::string TopicMetadata(uint64_t source_topic) {
  return source_topic == 0 ? "" : fmt::format("{}{:016x}", kTopicMetadata, source_topic);
}

// 0 (not known) for commits without it: written without topic ids, or by an operator.
uint64_t TopicOfMetadata(std::string_view metadata) {
  if (!metadata.starts_with(kTopicMetadata)) return 0;
  metadata.remove_prefix(kTopicMetadata.size());
  uint64_t fp = 0;
  auto [end, ec] = std::from_chars(metadata.data(), metadata.data() + metadata.size(), fp, 16);
  return ec == std::errc() && end == metadata.data() + metadata.size() ? fp : 0;
}

// What an earlier topic of the same name left says nothing of the new one: it starts at 0.
Found StartOfRecreatedTopic(const std::string& remote_topic, int32_t partition, int64_t earlier,
                            std::string_view where) {
  log::Warn("flow",
            "source topic was deleted and created again: the last record on the target came "
            "from the earlier topic of that name; the new topic is mirrored from its start after "
            "it",
            {{"remote", remote_topic},
             {"partition", partition},
             {"earlier_topic_last_offset", earlier},
             {"from", where}});
  return {SourceOffset(0), where};
}

class ProgressGroup : public ResumeStrategy {
 public:
  ProgressGroup(kafka::Properties target, std::string group, std::string flow_name)
      : target_(std::move(target)), group_(std::move(group)), flow_name_(std::move(flow_name)) {}

  Result<std::map<kafka::TopicPartition, Found>> FindAll(
      const std::vector<ResumeQuery>& topics) override {
    STRAIT_ASSIGN_OR_RETURN(kafka::Consumer * consumer, GetConsumer());
    std::vector<kafka::TopicPartition> tps;
    std::map<std::string, uint64_t> source_topics;
    for (const ResumeQuery& q : topics) {
      source_topics[q.remote_topic] = q.source_topic;
      for (PartitionId p : q.partitions) tps.push_back({q.remote_topic, p.value()});
    }
    Result<std::vector<kafka::TopicPartitionOffset>> committed =
        consumer->Committed(tps, kAdminTimeout);
    if (!committed.ok()) return committed.status().WithContext("reading group " + group_);
    std::map<kafka::TopicPartition, Found> out;
    for (const kafka::TopicPartitionOffset& o : *committed) {
      if (!o.error.ok() || o.offset < 0) continue;
      out[{o.topic, o.partition}] =
          IsEarlierTopic(TopicOfMetadata(o.metadata), source_topics[o.topic])
              ? StartOfRecreatedTopic(o.topic, o.partition, o.offset - 1, where())
              : Found{SourceOffset(o.offset), where()};
    }
    return out;
  }

  // A commit runs in the background while the control loop goes on; the next round takes
  // its outcome, and skips while it is still under way (the target does not answer).
  void Record(const std::vector<Progress>& progress, RecordWhen when) override {
    Result<kafka::Consumer*> consumer = GetConsumer();
    if (!consumer.ok()) return;
    const bool stop = when == RecordWhen::kStop;
    std::vector<kafka::Message> events;  // errors librdkafka queues for the application
    (*consumer)->PollBatch(0ms, 100, &events);
    TakeOutcome(**consumer, stop ? kAdminTimeout : 0ms);
    const Clock::time_point now = Clock::now();
    if ((*consumer)->commit_pending() || (!stop && now < retry_at_)) return;
    std::vector<Progress> changed = Changed(progress, now);
    // One commit per round; a stop sends them all, one after the other.
    for (size_t from = 0; from < changed.size();) {
      const size_t to = CommitEnd(changed, from);
      std::vector<Progress> part(changed.begin() + from, changed.begin() + to);
      for (const Progress& p : part) {
        sending_[{p.remote_topic, p.partition.value()}] = {p.next.value(), p.source_topic, now};
      }
      last_sent_ = {part.back().remote_topic, part.back().partition.value()};
      Status s = (*consumer)->CommitAsync(ProgressOffsets(part));
      if (!s.ok()) {
        log::Warn("flow", "cannot commit progress",
                  {{"flow", flow_name_}, {"group", group_}, {"error", s.message()}});
        sending_.clear();
        return;
      }
      if (!stop || !TakeOutcome(**consumer, kAdminTimeout)) return;  // failed: so would the next
      from = to;
    }
  }
  std::string_view where() const override { return "progress group"; }

 private:
  struct Committed {
    int64_t offset = 0;
    uint64_t topic = 0;
    Clock::time_point at;
    bool Same(const Committed& o) const { return offset == o.offset && topic == o.topic; }
  };

  // Positions not committed yet, or not for kRecommitAfter, beginning after the last one
  // sent: partitions that move all the time must not keep the others from their turn.
  std::vector<Progress> Changed(const std::vector<Progress>& progress,
                                Clock::time_point now) const {
    std::vector<Progress> changed;
    for (const Progress& p : progress) {
      if (p.next.value() < 0) continue;
      const Committed c{p.next.value(), p.source_topic, now};
      auto it = committed_.find({p.remote_topic, p.partition.value()});
      if (it != committed_.end() && it->second.Same(c) && now - it->second.at < kRecommitAfter) {
        continue;
      }
      changed.push_back(p);
    }
    // Compared in place, without copying names: a round sorts thousands every 2 s.
    auto before = [](const std::string& t1, int32_t p1, const std::string& t2, int32_t p2) {
      const int c = t1.compare(t2);
      return c < 0 || (c == 0 && p1 < p2);
    };
    std::sort(changed.begin(), changed.end(), [&](const Progress& a, const Progress& b) {
      return before(a.remote_topic, a.partition.value(), b.remote_topic, b.partition.value());
    });
    auto first = std::find_if(changed.begin(), changed.end(), [&](const Progress& p) {
      return before(last_sent_.topic, last_sent_.partition, p.remote_topic, p.partition.value());
    });
    std::rotate(changed.begin(), first, changed.end());
    return changed;
  }

  // The end of the commit that starts at changed[from]: at least one position, at most
  // about kCommitBytes of them.
  size_t CommitEnd(const std::vector<Progress>& changed, size_t from) const {
    size_t bytes = 0;
    size_t to = from;
    while (to < changed.size()) {
      bytes += group_.size() + changed[to].remote_topic.size() +
               TopicMetadata(changed[to].source_topic).size() + kCommitRecordBytes;
      if (bytes > kCommitBytes && to > from) break;
      ++to;
    }
    return to;
  }

  Result<kafka::Consumer*> GetConsumer() {
    if (consumer_ == nullptr) {
      kafka::ConsumerOptions options;
      options.client.name = flow_name_ + "/progress";
      options.client.properties = target_;
      options.client.properties.push_back({"group.id", group_});
      options.client.properties.push_back({"enable.auto.commit", "false"});
      STRAIT_ASSIGN_OR_RETURN(consumer_, kafka::Consumer::Create(std::move(options)));
    }
    return consumer_.get();
  }

  // Takes the outcome of the commit under way, if it is known within `wait`; true when it
  // is known and succeeded.
  bool TakeOutcome(kafka::Consumer& consumer, std::chrono::milliseconds wait) {
    std::optional<Result<std::vector<kafka::TopicPartitionOffset>>> r = consumer.CommitResult(wait);
    if (!r) return false;
    if (!r->ok()) {
      log::Warn("flow", "cannot commit progress; trying again in 30 s",
                {{"flow", flow_name_}, {"group", group_}, {"error", r->status().message()}});
      retry_at_ = Clock::now() + kRetryCommitAfter;
      sending_.clear();
      return false;
    }
    for (const kafka::TopicPartitionOffset& o : **r) {
      auto it = sending_.find({o.topic, o.partition});
      if (o.error.ok() && it != sending_.end()) committed_[it->first] = it->second;
    }
    sending_.clear();
    return true;
  }

  const kafka::Properties target_;
  const std::string group_;
  const std::string flow_name_;
  std::unique_ptr<kafka::Consumer> consumer_;  // commits and reads the group; made on first use
  std::map<kafka::TopicPartition, Committed> committed_;  // what the group holds already
  std::map<kafka::TopicPartition, Committed> sending_;    // the commit under way
  kafka::TopicPartition last_sent_;  // the last position of the last commit sent
  Clock::time_point retry_at_{};     // after a failed commit, rounds wait (one warning, not many)
};

class TargetLog : public ResumeStrategy {
 public:
  TargetLog(provenance::LogSearch* tails, uint64_t source_fingerprint,
            std::unique_ptr<ResumeStrategy> progress)
      : tails_(tails), source_fp_(source_fingerprint), progress_(std::move(progress)) {}

  // In this order: after the last record the flow copied; nothing mirrored yet when the
  // partition never held a record (log start 0, empty: also after the target lost its whole
  // log, which is mirrored again); the progress group's position; nothing mirrored yet when
  // the partition holds records of other writers only (identity naming, a new flow); and
  // otherwise no answer: records were there and are gone, and nothing says which.
  Result<std::map<kafka::TopicPartition, Found>> FindAll(
      const std::vector<ResumeQuery>& topics) override {
    std::vector<kafka::TopicPartition> tps;
    std::map<std::string, uint64_t> source_topics;
    for (const ResumeQuery& q : topics) {
      source_topics[q.remote_topic] = q.source_topic;
      for (PartitionId p : q.partitions) tps.push_back({q.remote_topic, p.value()});
    }
    STRAIT_ASSIGN_OR_RETURN(
        auto tails, tails_->Tails(tps, source_fp_, /*widen=*/true, provenance::Unanswered::kLeave));
    std::map<kafka::TopicPartition, Found> out;
    std::map<std::string, ResumeQuery> none_left;  // by remote topic
    for (const auto& [tp, t] : tails) {
      if (t.unanswered) {
        out[tp] = Found{.later = true};
      } else if (t.last_upstream) {
        out[tp] =
            IsEarlierTopic(t.last_source_topic, source_topics[tp.topic])
                ? StartOfRecreatedTopic(tp.topic, tp.partition, t.last_upstream->value(), where())
                : Found{*t.last_upstream + 1, where()};
      } else if (t.has_records || t.log_start != 0) {
        ResumeQuery& q = none_left[tp.topic];
        q.remote_topic = tp.topic;
        q.source_topic = source_topics[tp.topic];
        q.partitions.push_back(PartitionId(tp.partition));
      }
    }
    if (none_left.empty()) return out;
    std::map<kafka::TopicPartition, Found> recorded;
    if (progress_ != nullptr) {
      std::vector<ResumeQuery> ask;
      for (const auto& [remote, q] : none_left) ask.push_back(q);
      STRAIT_ASSIGN_OR_RETURN(recorded, progress_->FindAll(ask));
    }
    for (const auto& [remote, q] : none_left) {
      for (PartitionId p : q.partitions) {
        const kafka::TopicPartition tp{remote, p.value()};
        auto it = recorded.find(tp);
        if (it != recorded.end()) {
          out[tp] = it->second;
        } else if (!tails.at(tp).has_records) {
          out[tp] = Found{std::nullopt, "", tails.at(tp).log_start};
        }
      }
    }
    return out;
  }
  void Record(const std::vector<Progress>& progress, RecordWhen when) override {
    if (progress_ != nullptr) progress_->Record(progress, when);
  }
  std::string_view where() const override { return "target log"; }

 private:
  provenance::LogSearch* tails_;
  const uint64_t source_fp_;
  std::unique_ptr<ResumeStrategy> progress_;  // may be null
};

}  // namespace

Result<std::map<PartitionId, Found>> ResumeStrategy::Find(
    const std::string& remote_topic, uint64_t source_topic,
    const std::vector<PartitionId>& partitions) {
  STRAIT_ASSIGN_OR_RETURN(auto found, FindAll({{remote_topic, source_topic, partitions}}));
  std::map<PartitionId, Found> out;
  for (auto& [tp, f] : found) out[PartitionId(tp.partition)] = f;
  return out;
}

std::unique_ptr<ResumeStrategy> ResumeFromTargetLog(provenance::LogSearch* tails,
                                                    uint64_t source_fingerprint,
                                                    std::unique_ptr<ResumeStrategy> progress) {
  return std::make_unique<TargetLog>(tails, source_fingerprint, std::move(progress));
}

std::unique_ptr<ResumeStrategy> ResumeFromProgressGroup(kafka::Properties target, std::string group,
                                                        std::string flow_name) {
  return std::make_unique<ProgressGroup>(std::move(target), std::move(group), std::move(flow_name));
}

std::string ProgressGroupName(const std::string& source, const std::string& target) {
  return std::string(offsets::kProgressGroupPrefix) + source + "-" + target;
}

std::vector<kafka::TopicPartitionOffset> ProgressOffsets(const std::vector<Progress>& progress) {
  std::vector<kafka::TopicPartitionOffset> offsets;
  for (const Progress& p : progress) {
    if (p.next.value() < 0) continue;
    offsets.push_back(
        {p.remote_topic, p.partition.value(), p.next.value(), TopicMetadata(p.source_topic)});
  }
  return offsets;
}

StartPoint ChooseStart(std::optional<SourceOffset> forced, std::string_view forced_from,
                       std::optional<SourceOffset> found, std::string_view found_where,
                       config::StartOffset start_offset) {
  if (forced) return {StartAt::Offset(*forced), forced_from};
  if (found) return {StartAt::Offset(*found), found_where};
  return {start_offset == config::StartOffset::kEarliest ? StartAt::Earliest() : StartAt::Latest(),
          "start.offset"};
}

void ApplyLogEnds(const std::vector<kafka::TopicPartitionOffset>& answers,
                  std::vector<std::pair<kafka::TopicPartition, StartPoint>>* starts) {
  std::map<kafka::TopicPartition, int64_t> offsets;
  for (const kafka::TopicPartitionOffset& a : answers) {
    if (a.error.ok() && a.offset >= 0) offsets[{a.topic, a.partition}] = a.offset;
  }
  for (auto& [tp, start] : *starts) {
    auto it = offsets.find(tp);
    if (!start.at.offset() && it != offsets.end()) {
      start.at = StartAt::Offset(SourceOffset(it->second));
    }
  }
}

}  // namespace strait::replication
