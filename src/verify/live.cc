#include "verify/live.h"

#include <fmt/format.h>

#include <map>
#include <memory>
#include <regex>
#include <set>

#include "base/log.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "mm2/naming.h"
#include "provenance/provenance.h"
#include "replication/topic_filter.h"

namespace strait::verify {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr size_t kBatch = 1000;
// Partitions in a row that a cluster did not answer for before the rest of the flow is given
// up: with thousands of partitions, waiting out the timeout on each would take hours.
constexpr int kUnansweredInARow = 3;

void Quiet(int, std::string_view, std::string_view) {}

struct Parts {
  std::optional<provenance::Provenance> provenance;
  uint64_t digest = 0;
};

// The record's provenance, read the way the data path reads it (the last non-null header
// wins), and a digest of everything else mirroring keeps.
Parts Decode(const kafka::Message& m) {
  Parts parts;
  RecordDigest digest;
  digest.Add(m.key());
  digest.Add(m.value());
  for (const kafka::HeaderView& h : m.headers()) {
    if (h.name == provenance::kProvenanceHeader) {
      if (h.value) parts.provenance = provenance::DecodeProvenance(*h.value);
      continue;
    }
    digest.Add(h.name);
    digest.Add(h.value);
  }
  parts.digest = digest.value();
  return parts;
}

// One partition of one consumer, read record by record from an offset up to an end offset
// fixed when the check began. librdkafka's end-of-partition event also ends it: under
// read_committed that is the last stable offset, which an open transaction holds back.
class PartitionStream {
 public:
  PartitionStream(kafka::Consumer* consumer, std::string topic, int32_t partition, int64_t end,
                  milliseconds timeout)
      : consumer_(consumer),
        topic_(std::move(topic)),
        partition_(partition),
        end_(end),
        timeout_(timeout) {}

  Status Start(int64_t from) {
    position_ = from;
    if (from >= end_) {
      done_ = true;
      return Status::Ok();
    }
    return consumer_->Assign({{topic_, partition_, from}});
  }

  // The next record, or nullptr at the end.
  Result<const kafka::Message*> Next() {
    auto idle_since = Clock::now();
    while (!done_) {
      if (index_ == batch_.size()) {
        if (Refill() == 0 && Clock::now() - idle_since > timeout_) return Stalled();
        continue;
      }
      const kafka::Message& m = batch_[index_++];
      if (m.topic() != topic_ || m.partition() != partition_) continue;
      if (m.is_partition_eof() || (m.error().ok() && m.offset() >= end_)) {
        done_ = true;
        break;
      }
      if (m.is_offset_out_of_range()) {
        return Status(StatusCode::kDataLoss,
                      fmt::format("{}[{}]: offset {} is no longer in the log (deleted by "
                                  "retention while verify read it)",
                                  topic_, partition_, position_));
      }
      if (!m.error().ok()) continue;  // a broker error librdkafka retries itself
      position_ = m.offset() + 1;
      return &m;
    }
    return static_cast<const kafka::Message*>(nullptr);
  }

  int64_t position() const { return position_; }

 private:
  size_t Refill() {
    batch_.clear();
    index_ = 0;
    // Take what is queued without waiting; wait only when nothing is (see DataPath::Consume).
    if (consumer_->PollBatch(0ms, kBatch, &batch_) == 0 &&
        consumer_->PollBatch(200ms, 1, &batch_) > 0) {
      consumer_->PollBatch(0ms, kBatch - 1, &batch_);
    }
    return batch_.size();
  }

  Status Stalled() const {
    return Timeout(fmt::format("{}[{}]: nothing read for {} s at offset {} (end {})", topic_,
                               partition_, timeout_.count() / 1000, position_, end_));
  }

  kafka::Consumer* consumer_;
  std::string topic_;
  int32_t partition_;
  int64_t end_;
  milliseconds timeout_;
  int64_t position_ = 0;
  bool done_ = false;
  std::vector<kafka::Message> batch_;
  size_t index_ = 0;
};

class LiveSource : public SourceCursor {
 public:
  LiveSource(PartitionStream* stream, uint64_t target_fingerprint, bool local_only)
      : stream_(stream), target_fingerprint_(target_fingerprint), local_only_(local_only) {}

  Status Start(SourceOffset from) override { return stream_->Start(from.value()); }

  Result<std::optional<SourceRecord>> Next() override {
    STRAIT_ASSIGN_OR_RETURN(const kafka::Message* m, stream_->Next());
    if (m == nullptr) return std::optional<SourceRecord>();
    Parts parts = Decode(*m);
    return std::optional<SourceRecord>(SourceRecord{
        SourceOffset(m->offset()), FlowCopies(parts.provenance, target_fingerprint_, local_only_),
        parts.digest, m->timestamp_ms()});
  }

 private:
  PartitionStream* stream_;
  uint64_t target_fingerprint_;
  bool local_only_;
};

// A cluster of the flow: an admin client for metadata and a consumer for records.
struct Side {
  std::string alias;
  std::string bootstrap;
  std::unique_ptr<kafka::Admin> admin;
  std::unique_ptr<kafka::Consumer> consumer;
  uint64_t fingerprint = 0;
};

Result<Side> Connect(const config::ClusterConfig& cluster, milliseconds timeout) {
  Side side{cluster.alias, cluster.Bootstrap()};
  kafka::ClientOptions admin{"verify/" + cluster.alias, cluster.AdminProperties(), Quiet};
  STRAIT_ASSIGN_OR_RETURN(side.admin, kafka::Admin::Create(admin));
  Result<std::string> id = side.admin->ClusterId(timeout);
  if (!id.ok()) {
    return Unavailable(fmt::format("cannot reach {} at {}: {}", cluster.alias, side.bootstrap,
                                   id.status().message()));
  }
  side.fingerprint = provenance::ClusterFingerprint(*id);
  kafka::ConsumerOptions consumer;
  consumer.client = {"verify/" + cluster.alias + "-reader", cluster.ConsumerProperties(), Quiet};
  // After the user's properties, so that nothing there can make verify commit or join a group.
  // The prefetch is small (4 MiB, 5,000 records, 4 MiB per fetch) because the matcher takes
  // records as fast as the brokers send them; with librdkafka's default queue back-off of a
  // second, a full queue would idle the reader instead (1M records: 26 s against 3.7 s).
  consumer.client.properties.insert(consumer.client.properties.end(),
                                    {{"group.id", "strait-verify"},
                                     {"enable.auto.commit", "false"},
                                     {"enable.auto.offset.store", "false"},
                                     {"enable.partition.eof", "true"},
                                     {"isolation.level", "read_committed"},
                                     {"auto.offset.reset", "error"},
                                     {"queued.max.messages.kbytes", "4096"},
                                     {"queued.min.messages", "5000"},
                                     {"fetch.max.bytes", "4194304"},
                                     {"fetch.queue.backoff.ms", "20"},
                                     {"fetch.wait.max.ms", "100"}});
  STRAIT_ASSIGN_OR_RETURN(side.consumer, kafka::Consumer::Create(std::move(consumer)));
  return side;
}

bool Compacted(const std::map<std::string, Result<std::vector<kafka::ConfigEntry>>>& configs,
               const std::string& topic) {
  auto it = configs.find(topic);
  if (it == configs.end() || !it->second.ok()) return false;
  for (const kafka::ConfigEntry& e : *it->second) {
    if (e.name == "cleanup.policy" && e.value && e.value->find("compact") != std::string::npos) {
      return true;
    }
  }
  return false;
}

struct TopicPlan {
  std::string topic;
  std::string remote;
  int32_t partitions = 0;
  int32_t remote_partitions = -1;  // -1: the remote topic does not exist
  bool compacted = false;
};

class FlowCheck {
 public:
  FlowCheck(const config::Config& config, const config::FlowConfig& flow,
            const VerifyOptions& options)
      : config_(config), flow_(flow), options_(options) {}

  FlowReport Run();

 private:
  Result<std::vector<TopicPlan>> Plan();
  Status MarkCompacted(std::vector<TopicPlan>* plans);
  bool Selected(const std::string& topic) const;
  PartitionReport CheckPartition(const TopicPlan& plan, int32_t partition);
  Status ReadWatermarks(const TopicPlan& plan, PartitionReport* report);
  void Match(const TopicPlan& plan, PartitionReport* report);
  std::string StartNote(const PartitionReport& report) const;

  const config::Config& config_;
  const config::FlowConfig& flow_;
  const VerifyOptions& options_;
  Side source_, target_;
};

bool FlowCheck::Selected(const std::string& topic) const {
  bool heartbeats = mm2::IsHeartbeatsTopic(topic, flow_.separator);
  if (options_.topics.empty()) {
    return !heartbeats &&
           replication::TopicFilter(flow_.topics, flow_.topics_exclude).Matches(topic);
  }
  bool mirrored =
      heartbeats || replication::TopicFilter(flow_.topics, flow_.topics_exclude).Matches(topic);
  return mirrored && std::regex_match(topic, std::regex(options_.topics));
}

Result<std::vector<TopicPlan>> FlowCheck::Plan() {
  STRAIT_ASSIGN_OR_RETURN(kafka::ClusterMetadata source_md,
                          source_.admin->Metadata(options_.timeout));
  STRAIT_ASSIGN_OR_RETURN(kafka::ClusterMetadata target_md,
                          target_.admin->Metadata(options_.timeout));
  mm2::NamingContext naming{flow_.naming, flow_.separator, flow_.source, flow_.target};
  std::vector<TopicPlan> plans;
  for (const kafka::TopicInfo& t : source_md.topics) {
    std::optional<std::string> remote = mm2::RemoteTopicName(naming, t.name);
    if (!t.error.ok() || t.partitions.empty() || !remote || !Selected(t.name)) continue;
    TopicPlan plan{t.name, *remote, static_cast<int32_t>(t.partitions.size())};
    if (const kafka::TopicInfo* r = target_md.FindTopic(*remote); r != nullptr && r->error.ok()) {
      plan.remote_partitions = static_cast<int32_t>(r->partitions.size());
    }
    plans.push_back(plan);
  }
  std::sort(plans.begin(), plans.end(),
            [](const TopicPlan& a, const TopicPlan& b) { return a.topic < b.topic; });
  STRAIT_RETURN_IF_ERROR(MarkCompacted(&plans));
  return plans;
}

// Compaction on either side removes records by design (report.h).
Status FlowCheck::MarkCompacted(std::vector<TopicPlan>* plans) {
  std::vector<std::string> topics, remotes;
  for (const TopicPlan& p : *plans) {
    topics.push_back(p.topic);
    if (p.remote_partitions >= 0) remotes.push_back(p.remote);
  }
  if (topics.empty()) return Status::Ok();
  STRAIT_ASSIGN_OR_RETURN(auto source_configs,
                          source_.admin->DescribeTopicConfigs(topics, options_.timeout));
  std::map<std::string, Result<std::vector<kafka::ConfigEntry>>> target_configs;
  if (!remotes.empty()) {
    STRAIT_ASSIGN_OR_RETURN(target_configs,
                            target_.admin->DescribeTopicConfigs(remotes, options_.timeout));
  }
  for (TopicPlan& p : *plans) {
    p.compacted = Compacted(source_configs, p.topic) || Compacted(target_configs, p.remote);
  }
  return Status::Ok();
}

// The target's ends first: everything on the target then was read from the source before,
// so the source's ends read after it cover every record the target can name.
Status FlowCheck::ReadWatermarks(const TopicPlan& plan, PartitionReport* r) {
  if (plan.remote_partitions > r->partition) {
    STRAIT_ASSIGN_OR_RETURN(kafka::Watermarks t, target_.consumer->QueryWatermarks(
                                                     plan.remote, r->partition, options_.timeout));
    r->target_log_start = t.low;
    r->target_end = t.high;
  }
  STRAIT_ASSIGN_OR_RETURN(kafka::Watermarks s, source_.consumer->QueryWatermarks(
                                                   plan.topic, r->partition, options_.timeout));
  r->source_log_start = s.low;
  r->source_end = s.high;
  return Status::Ok();
}

void FlowCheck::Match(const TopicPlan& plan, PartitionReport* r) {
  PartitionStream source(source_.consumer.get(), plan.topic, r->partition, r->source_end,
                         options_.timeout);
  bool local_only = flow_.forward == config::Forward::kLocal && plan.remote == plan.topic;
  LiveSource cursor(&source, target_.fingerprint, local_only);
  MatchOptions options;
  options.source_log_start = SourceOffset(r->source_log_start);
  options.from_source_start =
      flow_.start_offset == config::StartOffset::kEarliest && r->target_log_start == 0;
  PartitionMatcher matcher(&cursor, options);
  PartitionStream target(target_.consumer.get(), plan.remote, r->partition, r->target_end,
                         options_.timeout);
  Status s = target.Start(r->target_log_start);
  while (s.ok() && !matcher.failed()) {
    Result<const kafka::Message*> m = target.Next();
    if (!m.ok()) s = m.status();
    if (!m.ok() || *m == nullptr) break;
    Parts parts = Decode(**m);
    matcher.AddTarget({TargetOffset((*m)->offset()),
                       CopiedFrom(parts.provenance, source_.fingerprint), parts.digest,
                       (*m)->timestamp_ms(),
                       (*m)->timestamp_type() == kafka::TimestampType::kCreateTime});
  }
  r->match = matcher.Finish();
  if (!s.ok() && r->match.error.ok()) r->match.error = s;
  if (!options.from_source_start && r->match.note.empty()) r->match.note = StartNote(*r);
}

// Why the check did not start at the source's log start.
std::string FlowCheck::StartNote(const PartitionReport& r) const {
  if (r.target_log_start == 0) {
    return "start.offset latest: checked from the first record of this flow on the target";
  }
  return fmt::format("the target log starts at {}: checked from the first record of this flow",
                     r.target_log_start);
}

PartitionReport FlowCheck::CheckPartition(const TopicPlan& plan, int32_t partition) {
  PartitionReport r;
  r.topic = plan.topic;
  r.partition = partition;
  r.remote_topic = plan.remote;
  r.compacted = plan.compacted;
  if (Status s = ReadWatermarks(plan, &r); !s.ok()) {
    r.match.error = s;
    return r;
  }
  if (plan.remote_partitions <= partition) {
    // Nothing to read on the target: all the source holds is still to come.
    r.match.counts.not_yet_mirrored = r.source_end - r.source_log_start;
    r.match.note = plan.remote_partitions < 0
                       ? fmt::format("{} does not exist on {} yet", plan.remote, flow_.target)
                       : fmt::format("{} has {} partitions on {}", plan.remote,
                                     plan.remote_partitions, flow_.target);
    return r;
  }
  Match(plan, &r);
  log::Info("verify", "partition checked",
            {{"flow", flow_.Name()},
             {"topic", plan.topic},
             {"partition", partition},
             {"matched", r.match.counts.matched},
             {"result", VerdictName(r.verdict())}});
  return r;
}

FlowReport FlowCheck::Run() {
  FlowReport report{flow_.Name(), flow_.source, flow_.target};
  if (!flow_.provenance_headers) {
    report.error = "provenance.headers is false: target records carry no source offset to match";
    return report;
  }
  Result<Side> source = Connect(config_.Cluster(flow_.source), options_.timeout);
  Result<Side> target =
      source.ok() ? Connect(config_.Cluster(flow_.target), options_.timeout) : source.status();
  if (!target.ok()) {
    report.error = target.status().message();
    return report;
  }
  source_ = std::move(*source);
  target_ = std::move(*target);
  Result<std::vector<TopicPlan>> plans = Plan();
  if (!plans.ok()) {
    report.error = plans.status().message();
    return report;
  }
  int unanswered = 0, skipped = 0;
  for (const TopicPlan& plan : *plans) {
    for (int32_t p = 0; p < plan.partitions; ++p) {
      if (unanswered >= kUnansweredInARow) {
        ++skipped;
        continue;
      }
      report.partitions.push_back(CheckPartition(plan, p));
      StatusCode code = report.partitions.back().match.error.code();
      bool silent = code == StatusCode::kTimeout || code == StatusCode::kUnavailable;
      unanswered = silent ? unanswered + 1 : 0;
    }
  }
  if (skipped > 0) {
    report.error = fmt::format(
        "gave up after {} partitions in a row got no answer; {} more "
        "partitions not checked",
        kUnansweredInARow, skipped);
  }
  return report;
}

}  // namespace

FlowReport VerifyFlow(const config::Config& config, const config::FlowConfig& flow,
                      const VerifyOptions& options) {
  return FlowCheck(config, flow, options).Run();
}

}  // namespace strait::verify
