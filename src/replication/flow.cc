#include "replication/flow.h"

#include <fmt/format.h>
#include <pthread.h>

#include <algorithm>
#include <set>

#include "base/log.h"
#include "offsets/mm2_format.h"
#include "offsets/provenance.h"
#include "replication/config_sync.h"

namespace strait::replication {
namespace {

using namespace std::chrono_literals;

constexpr std::chrono::milliseconds kAdminTimeout = 15s;
constexpr std::chrono::milliseconds kDrainTimeout = 30s;
constexpr std::chrono::seconds kMaxBackoff = 300s;
constexpr std::chrono::seconds kMaxConnectBackoff = 30s;
constexpr int64_t kDefaultMaxMessageBytes = 1048588;  // Kafka's broker default

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t ParseBytes(const std::string& v, int64_t fallback) {
  if (v.empty()) return fallback;
  char* end = nullptr;
  long long n = std::strtoll(v.c_str(), &end, 10);
  return (end != nullptr && *end == '\0' && n > 0) ? n : fallback;
}

}  // namespace

Flow::Flow(const config::Config& config, const config::FlowConfig& flow)
    : flow_(flow),
      source_(config.Cluster(flow.source)),
      target_(config.Cluster(flow.target)),
      name_(flow.Name()),
      naming_{flow.naming, flow.separator, flow.source, flow.target},
      filter_(flow.topics, flow.topics_exclude),
      config_excludes_(flow.config_properties_exclude, {}) {
  published_.name = name_;
  published_.source = flow.source;
  published_.target = flow.target;
  published_.state = "connecting";
}

Flow::~Flow() {
  RequestStop();
  Join();
}

void Flow::Start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "control");
    Run();
  });
}

void Flow::RequestStop() {
  stop_.store(true);
  wake_.notify_all();
}

void Flow::Join() {
  if (thread_.joinable()) thread_.join();  // the control thread joins the offset thread
}

void Flow::Wait(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  wake_.wait_for(lock, d, [this] { return stop_.load(); });
}

void Flow::Run() {
  auto next_sync = Clock::now();
  auto next_watermarks = Clock::now();
  while (!stop_.load()) {
    last_loop_ms_.store(NowMs());
    if (data_ == nullptr && !Connect()) {
      Publish();
      Wait(connect_backoff_);
      connect_backoff_ = std::min(connect_backoff_ * 2, kMaxConnectBackoff);
      continue;
    }
    HandleEvents();
    if (Clock::now() >= next_sync) {
      Sync();
      next_sync = Clock::now() + flow_.refresh_interval;
    }
    ResumePending();
    if (Clock::now() >= next_watermarks) {
      PollWatermarks();
      if (!flow_.provenance_headers) CommitProgress();
      next_watermarks = Clock::now() + 2s;
    }
    Publish();
    Wait(200ms);
  }
  {
    std::lock_guard lock(mu_);
    published_.state = "stopping";
  }
  if (offsets_thread_.joinable()) offsets_thread_.join();
  if (data_ != nullptr) data_->Stop(kDrainTimeout);
  if (data_ != nullptr && !flow_.provenance_headers) CommitProgress();
  {
    std::lock_guard lock(mu_);
    published_.state = "stopped";
  }
  log::Info("flow", "flow stopped", {{"flow", name_}});
}

bool Flow::Connect() {
  auto make_admin = [&](const config::ClusterConfig& c, const char* role,
                        std::unique_ptr<kafka::Admin>* out) -> Status {
    if (*out != nullptr) return Status::Ok();
    STRAIT_ASSIGN_OR_RETURN(
        *out, kafka::Admin::Create({name_ + "/" + role + "-admin", c.AdminProperties(), {}}));
    return Status::Ok();
  };
  Status s = make_admin(source_, "source", &source_admin_);
  if (s.ok()) s = make_admin(target_, "target", &target_admin_);
  if (!s.ok()) {
    std::lock_guard lock(mu_);
    published_.source_error = s.message();
    return false;
  }
  Result<std::string> source_id = source_admin_->ClusterId(10s);
  Result<std::string> target_id = target_admin_->ClusterId(10s);
  std::string source_error = SetClusterError(Side::kSource, source_id.status(), /*log=*/false);
  std::string target_error = SetClusterError(Side::kTarget, target_id.status(), /*log=*/false);
  if (!source_id.ok() || !target_id.ok()) {
    log::Warn("flow", "cannot reach a cluster; retrying",
              {{"flow", name_},
               {"source", source_error},
               {"target", target_error},
               {"backoff_s", connect_backoff_.count()}});
    // New clients next time read certificate and CA files again, so that a fix on this side
    // (a renewed client certificate, a CA added to ssl.ca.location) needs no restart.
    if (!source_id.ok()) source_admin_.reset();
    if (!target_id.ok()) target_admin_.reset();
    return false;
  }
  if (*source_id == *target_id) {
    std::lock_guard lock(mu_);
    published_.source_error = fmt::format("{} and {} are the same Kafka cluster (id {})",
                                          flow_.source, flow_.target, *source_id);
    return false;
  }
  source_fp_ = offsets::ClusterFingerprint(*source_id);
  target_fp_ = offsets::ClusterFingerprint(*target_id);
  DataPathOptions options{name_,
                          source_.ConsumerProperties(),
                          target_.ProducerProperties(),
                          source_fp_,
                          target_fp_,
                          flow_.provenance_headers,
                          flow_.max_inflight_bytes,
                          flow_.max_inflight_bytes_per_partition};
  auto data = std::make_unique<DataPath>(std::move(options));
  s = data->Start();
  if (!s.ok()) {
    std::lock_guard lock(mu_);
    published_.source_error = s.message();
    return false;
  }
  data_ = std::move(data);
  tails_ =
      std::make_unique<offsets::LogSearch>(target_.ConsumerProperties(), name_ + "/target-tail");
  settle_until_ = Clock::now() + flow_.resume_settle;
  s = StartOffsets();
  if (!s.ok())
    log::Error("flow", "offset sync not started", {{"flow", name_}, {"error", s.message()}});
  connect_backoff_ = 1s;
  log::Info("flow", "connected",
            {{"flow", name_}, {"source_cluster", *source_id}, {"target_cluster", *target_id}});
  return true;
}

std::string Flow::SetClusterError(Side side, const Status& status, bool log) {
  const config::ClusterConfig& cluster = side == Side::kSource ? source_ : target_;
  std::string error = status.ok() ? ""
                                  : fmt::format("cannot reach {} at {}: {}", cluster.alias,
                                                cluster.Bootstrap(), status.message());
  std::lock_guard lock(mu_);
  std::string& field = side == Side::kSource ? published_.source_error : published_.target_error;
  if (log && error != field) {
    if (!error.empty()) {
      log::Warn("flow", "cluster unreachable; retrying", {{"flow", name_}, {"error", error}});
    } else {
      log::Info("flow", "cluster reachable again", {{"flow", name_}, {"cluster", cluster.alias}});
    }
  }
  field = error;
  return error;
}

void Flow::Sync() {
  Result<kafka::ClusterMetadata> source_md = source_admin_->Metadata(kAdminTimeout);
  Result<kafka::ClusterMetadata> target_md = target_admin_->Metadata(kAdminTimeout);
  SetClusterError(Side::kSource, source_md.status(), /*log=*/true);
  SetClusterError(Side::kTarget, target_md.status(), /*log=*/true);
  if (!source_md.ok() || !target_md.ok()) return;

  std::map<std::string, int32_t> matched;
  for (const kafka::TopicInfo& t : source_md->topics) {
    bool wanted = filter_.Matches(t.name) || IsHeartbeatsTopic(t.name, flow_.separator);
    if (!t.error.ok() || t.partitions.empty() || !wanted) continue;
    if (!RemoteTopicName(naming_, t.name)) continue;  // would go back where it came from
    matched[t.name] = static_cast<int32_t>(t.partitions.size());
  }
  for (auto& [name, entry] : topics_) {
    if (matched.count(name) == 0 && !entry.gone) ForgetTopic(name);
  }
  if (matched.empty()) return;

  std::vector<std::string> source_names, remote_names;
  for (const auto& [name, n] : matched) {
    source_names.push_back(name);
    std::string remote = *RemoteTopicName(naming_, name);
    if (target_md->FindTopic(remote) != nullptr) remote_names.push_back(remote);
  }
  auto source_configs = source_admin_->DescribeTopicConfigs(source_names, kAdminTimeout);
  if (!source_configs.ok()) {
    log::Warn("flow", "cannot read source topic configs",
              {{"flow", name_}, {"error", source_configs.status().message()}});
    return;
  }
  std::map<std::string, Result<std::vector<kafka::ConfigEntry>>> target_configs;
  if (!remote_names.empty()) {
    auto r = target_admin_->DescribeTopicConfigs(remote_names, kAdminTimeout);
    if (!r.ok()) {
      log::Warn("flow", "cannot read target topic configs",
                {{"flow", name_}, {"error", r.status().message()}});
      return;
    }
    target_configs = std::move(r).value();
  }
  for (const auto& [name, n] : matched) {
    auto sc = source_configs->find(name);
    if (sc != source_configs->end() &&
        sc->second.status().code() == StatusCode::kPermissionDenied) {
      DeniedTopic(name, sc->second.status());
      continue;
    }
    if (sc == source_configs->end() || !sc->second.ok()) continue;  // deleted meanwhile
    std::string remote = *RemoteTopicName(naming_, name);
    auto tc = target_configs.find(remote);
    const std::vector<kafka::ConfigEntry>* target_entries =
        (tc != target_configs.end() && tc->second.ok()) ? &tc->second.value() : nullptr;
    SyncTopic(name, n, *target_md, *sc->second, target_entries);
  }
}

void Flow::SyncTopic(const std::string& name, int32_t source_partitions,
                     const kafka::ClusterMetadata& target_md,
                     const std::vector<kafka::ConfigEntry>& source_configs,
                     const std::vector<kafka::ConfigEntry>* target_configs) {
  TopicEntry& entry = topics_[name];
  if (entry.remote.empty()) {
    entry.remote = *RemoteTopicName(naming_, name);
    log::Info("flow", "mirroring topic",
              {{"flow", name_}, {"topic", name}, {"remote", entry.remote}});
  }
  entry.gone = false;
  entry.source_partitions = source_partitions;
  ConfigMap target_overrides = target_configs ? TopicOverrides(*target_configs) : ConfigMap{};
  ConfigMap desired =
      flow_.sync_topic_configs
          ? DesiredRemoteConfigs(TopicOverrides(source_configs), target_overrides, config_excludes_)
          : target_overrides;
  const kafka::TopicInfo* remote = target_md.FindTopic(entry.remote);
  Status status;
  std::vector<kafka::ConfigEntry> created_configs;
  if (remote == nullptr) {
    status = CreateRemote(entry, source_partitions, desired);
    if (status.ok() && !entry.owned) return;  // someone else created it meanwhile: next round
    if (status.ok()) {
      // Start mirroring now rather than a refresh interval later; the remote topic's real
      // max.message.bytes (the broker default may differ from Kafka's) decides record sizes.
      entry.target_partitions = source_partitions;
      auto described = target_admin_->DescribeTopicConfigs({entry.remote}, kAdminTimeout);
      if (!described.ok() || !described->at(entry.remote).ok()) return;
      created_configs = *described->at(entry.remote);
      target_configs = &created_configs;
    }
  } else {
    entry.target_partitions = static_cast<int32_t>(remote->partitions.size());
    status = CheckOwnership(entry);
    if (status.ok() && entry.target_partitions < source_partitions) {
      status = target_admin_->CreatePartitions(entry.remote, source_partitions, kAdminTimeout);
      if (status.ok()) {
        log::Info("flow", "raised partition count",
                  {{"flow", name_}, {"remote", entry.remote}, {"partitions", source_partitions}});
        entry.target_partitions = source_partitions;
      }
    }
    if (status.ok() && flow_.sync_topic_configs && desired != target_overrides) {
      status = target_admin_->AlterTopicConfigs(entry.remote, desired, kAdminTimeout);
      if (status.ok())
        log::Info("flow", "synced topic configs", {{"flow", name_}, {"remote", entry.remote}});
    }
  }
  int64_t limit =
      ParseBytes(desired.count("max.message.bytes")
                     ? desired.at("max.message.bytes")
                     : (target_configs ? ConfigValue(*target_configs, "max.message.bytes") : ""),
                 kDefaultMaxMessageBytes);
  if (limit != entry.max_message_bytes) {
    entry.max_message_bytes = limit;
    data_->Post(SetMessageLimit{name, limit});
  }
  std::string error = status.ok() ? "" : status.message();
  if (error != entry.error) {
    if (!error.empty())
      log::Error("flow", "topic not mirrored",
                 {{"flow", name_}, {"topic", name}, {"error", error}});
    entry.error = error;
  }
  if (!entry.owned || entry.target_partitions < source_partitions) return;
  for (int32_t p = 0; p < source_partitions; ++p) {
    if (entry.partitions.count(p) != 0) continue;
    PartitionEntry pe;
    // Heartbeats keep their prefixed names, so only identity-named topics can receive one
    // origin's records along two paths.
    bool local_only = flow_.forward == config::Forward::kLocal && entry.remote == name;
    pe.state = std::make_shared<PartitionState>(name, p, entry.remote, local_only);
    entry.partitions.emplace(p, std::move(pe));
  }
}

// A topic strait may see but not read the configs of: said once, shown in /status.
void Flow::DeniedTopic(const std::string& name, const Status& why) {
  TopicEntry& entry = topics_[name];
  if (entry.remote.empty()) entry.remote = *RemoteTopicName(naming_, name);
  if (entry.error != why.message()) {
    log::Error("flow", "topic not mirrored",
               {{"flow", name_}, {"topic", name}, {"error", why.message()}});
  }
  entry.error = why.message();
}

Status Flow::CreateRemote(TopicEntry& entry, int32_t partitions,
                          const std::map<std::string, std::string>& configs) {
  Result<std::vector<Status>> r = target_admin_->CreateTopics(
      {{entry.remote, partitions, flow_.replication_factor, configs}}, kAdminTimeout);
  Status s = r.ok() ? (*r)[0] : r.status();
  if (s.ok() || s.code() == StatusCode::kAlreadyExists) {
    if (s.ok()) {
      log::Info("flow", "created remote topic",
                {{"flow", name_}, {"remote", entry.remote}, {"partitions", partitions}});
    }
    entry.owned = entry.owned || s.ok();
    return Status::Ok();
  }
  return s.WithContext(fmt::format("creating {} on {}", entry.remote, flow_.target));
}

// With prefix naming the remote topic is strait's alone: one that already holds records
// but none copied by this flow was made by someone else, and writing into it would mix
// two histories. With identity naming the target topic is expected to have its own writers.
Status Flow::CheckOwnership(TopicEntry& entry) {
  if (entry.owned) return Status::Ok();
  if (flow_.naming == config::Naming::kIdentity || flow_.adopt_existing_topics ||
      !flow_.provenance_headers) {
    entry.owned = true;
    return Status::Ok();
  }
  std::vector<int32_t> parts;
  for (int32_t p = 0; p < entry.target_partitions; ++p) parts.push_back(p);
  Result<std::vector<offsets::PartitionTail>> tails =
      tails_->Tails(entry.remote, parts, source_fp_);
  if (!tails.ok()) return tails.status();
  bool has_records = false, has_ours = false;
  for (const offsets::PartitionTail& t : *tails) {
    has_records |= t.has_records;
    has_ours |= t.last_upstream.has_value();
  }
  if (has_records && !has_ours) {
    return FailedPrecondition(fmt::format(
        "target topic {} on {} already exists and holds records strait did not mirror from {}: "
        "delete it, or set adopt.existing.topics: true to append to it",
        entry.remote, flow_.target, flow_.source));
  }
  if (entry.target_partitions < entry.source_partitions && !has_ours) {
    return FailedPrecondition(fmt::format(
        "target topic {} on {} has {} partitions, source topic has {}: raise the target's "
        "partition count or delete it (strait keeps partition numbers)",
        entry.remote, flow_.target, entry.target_partitions, entry.source_partitions));
  }
  entry.owned = true;
  return Status::Ok();
}

void Flow::ForgetTopic(const std::string& name) {
  TopicEntry& entry = topics_[name];
  entry.gone = true;
  log::Warn("flow", "source topic is gone; its remote topic is kept",
            {{"flow", name_}, {"topic", name}, {"remote", entry.remote}});
  for (auto& [p, pe] : entry.partitions) {
    if (pe.stage == PartitionEntry::Stage::kRunning) {
      pe.stage = PartitionEntry::Stage::kReleasing;
      data_->Post(StopPartition{{name, p}, "source topic deleted"});
    }
  }
  std::erase_if(entry.partitions, [](const auto& kv) {
    return kv.second.stage != PartitionEntry::Stage::kReleasing;
  });
  if (entry.partitions.empty()) topics_.erase(name);
}

void Flow::HandleEvents() {
  for (DataEvent& e : data_->TakeEvents()) {
    auto topic = topics_.find(e.source.topic);
    if (topic == topics_.end()) continue;
    auto it = topic->second.partitions.find(e.source.partition);
    if (it == topic->second.partitions.end()) continue;
    PartitionEntry& pe = it->second;
    switch (e.kind) {
      case DataEvent::Kind::kReleased:
        topic->second.partitions.erase(it);
        if (topic->second.gone && topic->second.partitions.empty()) topics_.erase(topic);
        break;
      case DataEvent::Kind::kStopped:
        if (pe.backoff.count() == 0) pe.backoff = flow_.partition_retry_backoff;
        pe.stage = PartitionEntry::Stage::kStopped;
        pe.retry_at = Clock::now() + pe.backoff;
        pe.backoff = std::min<std::chrono::milliseconds>(pe.backoff * 2, kMaxBackoff);
        break;
      case DataEvent::Kind::kNeedsResume:
        pe.stage = PartitionEntry::Stage::kPending;
        pe.retry_at = {};
        settle_until_ = Clock::now() + flow_.resume_settle;
        break;
      case DataEvent::Kind::kOutOfRange: {
        Result<kafka::Watermarks> w =
            source_admin_->QueryWatermarks(e.source.topic, e.source.partition, kAdminTimeout);
        pe.stage = PartitionEntry::Stage::kPending;
        if (!w.ok()) {
          pe.retry_at = Clock::now() + 5s;
          break;
        }
        if (e.offset < w->low) {
          records_expired_ += w->low - e.offset;
          log::Error("flow", "records were deleted at the source before they were mirrored",
                     {{"flow", name_},
                      {"topic", e.source.topic},
                      {"partition", e.source.partition},
                      {"first_missing", e.offset},
                      {"log_start", w->low},
                      {"records", w->low - e.offset}});
          pe.forced_offset = w->low;
        } else {
          log::Error("flow",
                     "the source partition is shorter than what was mirrored (unclean leader "
                     "election?); mirroring continues from its end",
                     {{"flow", name_},
                      {"topic", e.source.topic},
                      {"partition", e.source.partition},
                      {"mirrored_up_to", e.offset},
                      {"source_end", w->high}});
          pe.forced_offset = w->high;
        }
        break;
      }
    }
  }
}

void Flow::ResumePending() {
  if (Clock::now() < settle_until_) return;
  auto now = Clock::now();
  for (auto& [name, entry] : topics_) {
    if (entry.gone || !entry.owned) continue;
    std::vector<int32_t> due;
    for (auto& [p, pe] : entry.partitions) {
      bool pending = pe.stage == PartitionEntry::Stage::kPending ||
                     pe.stage == PartitionEntry::Stage::kStopped;
      if (pending && pe.retry_at <= now) due.push_back(p);
    }
    if (!due.empty()) ResumeTopic(name, entry, due);
    if (stop_.load()) return;
  }
}

void Flow::ResumeTopic(const std::string& name, TopicEntry& entry,
                       const std::vector<int32_t>& parts) {
  std::map<int32_t, offsets::PartitionTail> tails;
  std::map<int32_t, int64_t> progress;
  if (!flow_.provenance_headers) {
    Result<std::map<int32_t, int64_t>> r = CommittedProgress(entry.remote, parts);
    if (!r.ok()) {
      log::Warn("flow", "cannot read committed progress; retrying",
                {{"flow", name_}, {"remote", entry.remote}, {"error", r.status().message()}});
      return;
    }
    progress = std::move(r).value();
  } else {
    Result<std::vector<offsets::PartitionTail>> r = tails_->Tails(entry.remote, parts, source_fp_);
    if (!r.ok()) {
      log::Warn("flow", "cannot read where the target stopped; retrying",
                {{"flow", name_}, {"remote", entry.remote}, {"error", r.status().message()}});
      return;
    }
    for (const offsets::PartitionTail& t : *r) tails[t.partition] = t;
  }
  for (int32_t p : parts) {
    PartitionEntry& pe = entry.partitions.at(p);
    int64_t start = flow_.start_offset == config::StartOffset::kEarliest ? kafka::kOffsetBeginning
                                                                         : kafka::kOffsetEnd;
    const char* from = "start.offset";
    if (pe.forced_offset) {
      start = *pe.forced_offset;
      from = "source log bounds";
    } else if (tails[p].last_upstream) {
      start = tails[p].last_upstream->value() + 1;
      from = "target log";
    } else if (progress.count(p) != 0) {
      start = progress[p];
      from = "progress group";
    }
    pe.forced_offset.reset();
    pe.stage = PartitionEntry::Stage::kRunning;
    pe.state->set_phase(PartitionPhase::kResuming);
    log::Info(
        "flow", "partition resumes",
        {{"flow", name_}, {"topic", name}, {"partition", p}, {"offset", start}, {"from", from}});
    data_->Post(StartPartition{pe.state, start, entry.max_message_bytes});
  }
}

// Asks the source for the end of every mirrored partition (one ListOffsets request per
// leader). It keeps lag honest for partitions the consumer is not fetching (throttled,
// stopped) and shows when the source stops answering (a cut link).
void Flow::PollWatermarks() {
  std::vector<kafka::TopicPartitionOffset> query;
  std::vector<PartitionState*> states;
  for (auto& [name, entry] : topics_) {
    for (auto& [p, pe] : entry.partitions) {
      query.push_back({name, p, kafka::kOffsetEnd});
      states.push_back(pe.state.get());
    }
  }
  if (query.empty()) return;
  Result<std::vector<kafka::TopicPartitionOffset>> ends = source_admin_->OffsetsForTimes(query, 5s);
  SetClusterError(Side::kSource, ends.status(), /*log=*/true);
  if (!ends.ok()) return;
  std::lock_guard lock(mu_);
  int64_t now = NowMs();
  for (size_t i = 0; i < ends->size() && i < states.size(); ++i) {
    const kafka::TopicPartitionOffset& e = (*ends)[i];
    if (e.error.ok() && e.offset >= 0) states[i]->ObserveHigh(e.offset, now, /*fresh=*/true);
  }
}

std::string Flow::ProgressGroup() const {
  return "strait-progress." + flow_.source + "-" + flow_.target;
}

void Flow::CommitProgress() {
  std::vector<kafka::TopicPartitionOffset> offsets;
  for (auto& [name, entry] : topics_) {
    for (auto& [p, pe] : entry.partitions) {
      int64_t next = pe.state->acked_next.load();
      kafka::TopicPartition key{entry.remote, p};
      if (next < 0 || committed_[key] == next) continue;
      offsets.push_back({entry.remote, p, next});
    }
  }
  if (offsets.empty()) return;
  auto r = target_admin_->AlterConsumerGroupOffsets(ProgressGroup(), offsets, kAdminTimeout);
  if (!r.ok()) {
    log::Warn("flow", "cannot commit progress", {{"flow", name_}, {"error", r.status().message()}});
    return;
  }
  for (const kafka::TopicPartitionOffset& o : *r) {
    if (o.error.ok()) committed_[{o.topic, o.partition}] = o.offset;
  }
}

Result<std::map<int32_t, int64_t>> Flow::CommittedProgress(const std::string& remote,
                                                           const std::vector<int32_t>& parts) {
  std::vector<kafka::TopicPartition> tps;
  for (int32_t p : parts) tps.push_back({remote, p});
  std::map<int32_t, int64_t> out;
  auto r = target_admin_->ListConsumerGroupOffsets(ProgressGroup(), tps, kAdminTimeout);
  if (!r.ok()) return r.status();
  for (const kafka::TopicPartitionOffset& o : *r) {
    if (o.error.ok() && o.offset >= 0) out[o.partition] = o.offset;
  }
  return out;
}

Status Flow::StartOffsets() {
  STRAIT_RETURN_IF_ERROR(StartHeartbeats());
  if (flow_.emit_checkpoints || flow_.sync_group_offsets) {
    STRAIT_ASSIGN_OR_RETURN(
        std::unique_ptr<offsets::Mm2Writer> writer,
        offsets::Mm2Writer::Create(name_ + "/checkpoints", target_.ProducerProperties(),
                                   target_admin_.get(), flow_.replication_factor));
    offsets::GroupSyncOptions options{name_,
                                      flow_.source,
                                      flow_.target,
                                      flow_.separator,
                                      flow_.naming == config::Naming::kPrefix,
                                      flow_.groups,
                                      flow_.groups_exclude,
                                      flow_.emit_checkpoints,
                                      flow_.sync_group_offsets};
    group_sync_ = std::make_unique<offsets::GroupSync>(
        std::move(options), source_admin_.get(), target_admin_.get(), std::move(writer),
        std::make_unique<offsets::LogSearch>(target_.ConsumerProperties(),
                                             name_ + "/target-search"),
        std::make_unique<offsets::LogSearch>(source_.ConsumerProperties(),
                                             name_ + "/source-search"),
        source_fp_, target_fp_);
  }
  acl_sync_ = acl::MakeAclSync(flow_, target_, source_admin_.get(), target_admin_.get());
  offsets_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "offsets");
    RunOffsets();
  });
  return Status::Ok();
}

void Flow::RunOffsets() {
  auto next_heartbeat = Clock::now();
  auto next_groups = Clock::now() + flow_.checkpoint_interval;
  auto next_acls = Clock::now();
  while (!stop_.load()) {
    auto now = Clock::now();
    if (acl_sync_ != nullptr && now >= next_acls) {
      acl_sync_->RunOnce(MirroredTopicNames(Snapshot()));
      next_acls = Clock::now() + flow_.acl_sync_interval;
    }
    if (now >= next_heartbeat) {
      heartbeats_->RunOnce(NowMs(), RemoteHeartbeatsMirrored());
      next_heartbeat = now + flow_.heartbeat_interval;
    }
    if (group_sync_ != nullptr && now >= next_groups) {
      FlowSnapshot snapshot = Snapshot();  // keeps the offset maps alive during the round
      group_sync_->RunOnce(MirroredTopics(snapshot));
      next_groups = Clock::now() + flow_.checkpoint_interval;
    }
    auto next = std::min({next_heartbeat, next_groups, acl_sync_ ? next_acls : next_groups});
    Wait(std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()) + 1ms);
  }
}

Status Flow::StartHeartbeats() {
  std::unique_ptr<offsets::Mm2Writer> to_target, to_source;
  if (flow_.emit_heartbeats) {
    STRAIT_ASSIGN_OR_RETURN(
        to_target, offsets::Mm2Writer::Create(name_ + "/heartbeats", target_.ProducerProperties(),
                                              target_admin_.get(), flow_.replication_factor));
    // The source's own replication factor default: flow settings describe the target.
    STRAIT_ASSIGN_OR_RETURN(to_source, offsets::Mm2Writer::Create(name_ + "/source-heartbeats",
                                                                  source_.ProducerProperties(),
                                                                  source_admin_.get(), -1));
  }
  offsets::Heartbeats::Options options{name_, flow_.source, flow_.target, RemoteHeartbeatsTopic()};
  heartbeats_ = std::make_unique<offsets::Heartbeats>(
      std::move(options), std::move(to_target), std::move(to_source),
      std::make_unique<offsets::LogSearch>(target_.ConsumerProperties(),
                                           name_ + "/heartbeat-reader", 5s));
  return Status::Ok();
}

std::string Flow::RemoteHeartbeatsTopic() const {
  return RemoteTopicName(naming_, offsets::kHeartbeatsTopic).value_or("");
}

bool Flow::RemoteHeartbeatsMirrored() const {
  FlowSnapshot snapshot = Snapshot();
  const std::string remote = RemoteHeartbeatsTopic();
  return std::any_of(snapshot.topics.begin(), snapshot.topics.end(), [&](const TopicStatus& t) {
    return t.remote_topic == remote && t.target_partitions > 0;
  });
}

acl::TopicMap Flow::MirroredTopicNames(const FlowSnapshot& snapshot) {
  acl::TopicMap out;
  for (const TopicStatus& t : snapshot.topics) {
    if (t.target_partitions > 0) out[t.source_topic] = t.remote_topic;
  }
  return out;
}

std::vector<offsets::MirroredTopic> Flow::MirroredTopics(const FlowSnapshot& snapshot) const {
  std::map<std::string, offsets::MirroredTopic> by_topic;
  for (const auto& p : snapshot.partitions) {
    offsets::MirroredTopic& t = by_topic[p->source_topic()];
    t.source_topic = p->source_topic();
    t.remote_topic = p->remote_topic();
    t.partitions.push_back({p->partition(), &p->offset_map, p->acked_next.load()});
  }
  std::vector<offsets::MirroredTopic> out;
  for (auto& [name, t] : by_topic) out.push_back(std::move(t));
  return out;
}

void Flow::Publish() {
  FlowSnapshot s;
  for (const auto& [name, entry] : topics_) {
    s.topics.push_back(
        {name, entry.remote, entry.source_partitions, entry.target_partitions, entry.error});
    if (!entry.error.empty()) ++s.topic_errors;
    for (const auto& [p, pe] : entry.partitions) s.partitions.push_back(pe.state);
  }
  if (data_ != nullptr) {
    s.inflight_bytes = data_->inflight_bytes();
    s.dropped_duplicates = data_->dropped_duplicates();
    s.producer_resets = data_->producer_resets();
    s.data_last_loop_ms = data_->last_loop_ms();
  }
  s.records_expired = records_expired_;
  if (group_sync_ != nullptr) {
    s.groups = group_sync_->Statuses();
    s.checkpoints_written = group_sync_->checkpoints_written();
  }
  if (heartbeats_ != nullptr) s.heartbeats = heartbeats_->Snapshot();
  if (acl_sync_ != nullptr) s.acls = acl_sync_->Snapshot();
  std::lock_guard lock(mu_);
  s.name = published_.name;
  s.source = published_.source;
  s.target = published_.target;
  s.state = stop_.load() ? "stopping" : (data_ ? "running" : "connecting");
  s.source_error = published_.source_error;
  s.target_error = published_.target_error;
  published_ = std::move(s);
}

FlowSnapshot Flow::Snapshot() const {
  std::lock_guard lock(mu_);
  return published_;
}

bool Flow::Healthy() const {
  int64_t now = NowMs();
  // The control loop may block in an admin call for up to a tail-read timeout.
  bool control_alive = now - last_loop_ms_.load() < 120000;
  std::lock_guard lock(mu_);
  bool data_alive = published_.data_last_loop_ms == 0 || now - published_.data_last_loop_ms < 60000;
  return control_alive && data_alive;
}

}  // namespace strait::replication
