#include "replication/flow.h"

#include <fmt/format.h>
#include <pthread.h>

#include <algorithm>

#include "base/clock.h"
#include "base/log.h"
#include "mm2/format.h"
#include "provenance/provenance.h"

namespace strait::replication {
namespace {

using namespace std::chrono_literals;

constexpr std::chrono::milliseconds kDrainTimeout = 30s;
constexpr std::chrono::milliseconds kMaxBackoff = 300s;
constexpr std::chrono::seconds kMaxConnectBackoff = 30s;
// Partitions looked up together for resume: one read of the target's log for all of them
// (see ResumeDue), small enough to finish well within the log search's timeout when every
// partition holds records.
constexpr size_t kResumeBatch = 2500;

int64_t MillisSince(std::chrono::steady_clock::time_point began) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               began)
      .count();
}

std::string RemoteHeartbeatsTopic(const config::FlowConfig& flow) {
  mm2::NamingContext naming{flow.naming, flow.separator, flow.source, flow.target};
  return mm2::RemoteTopicName(naming, mm2::kHeartbeatsTopic).value_or("");
}

}  // namespace

Flow::Flow(const config::Config& config, const config::FlowConfig& flow)
    : flow_(flow),
      group_(config.group),
      source_(config.Cluster(flow.source)),
      target_(config.Cluster(flow.target)),
      name_(flow.Name()),
      remote_heartbeats_topic_(RemoteHeartbeatsTopic(flow)),
      partitions_(flow.partition_retry_backoff, kMaxBackoff) {
  published_.name = name_;
  published_.source = flow.source;
  published_.target = flow.target;
  published_.state = FlowState::kConnecting;
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

void Flow::MarkPaused() {
  paused_.store(true);
  std::lock_guard lock(mu_);
  published_.state = FlowState::kPaused;
}

void Flow::RequestStop() {
  stop_.store(true);
  wake_.notify_all();
}

void Flow::Join() {
  if (thread_.joinable()) thread_.join();  // the control thread stops the other threads
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
    if (membership_ != nullptr) HandleRebalance();
    // An instance whose flow differs from its group's touches nothing on the target.
    if (Clock::now() >= next_sync && membership_ != nullptr &&
        !membership_->Admitted(target_admin_.get())) {
      next_sync = Clock::now() + flow_.refresh_interval;
    }
    if (Clock::now() >= next_sync) {
      const auto began = Clock::now();
      TopicSync::Errors errors = topic_sync_->Round();
      log::Debug("flow", "topic sync round", {{"flow", name_}, {"ms", MillisSince(began)}});
      SetClusterError(Side::kSource, errors.source, /*log=*/true);
      SetClusterError(Side::kTarget, errors.target, /*log=*/true);
      Reconcile();
      next_sync = Clock::now() + flow_.refresh_interval;
    }
    ResumeDue();
    if (Clock::now() >= next_watermarks) {
      PollWatermarks();
      RecordProgress(RecordWhen::kRound);
      next_watermarks = Clock::now() + 2s;
    }
    Publish();
    Wait(200ms);
  }
  StopParts();
  log::Info("flow", "flow stopped", {{"flow", name_}});
}

std::string Flow::SetClusterError(Side side, const Status& status, bool log) {
  const config::ClusterConfig& cluster = side == Side::kSource ? source_ : target_;
  return SetClusterError(side,
                         status.ok() ? ""
                                     : fmt::format("cannot reach {} at {}: {}", cluster.alias,
                                                   cluster.Bootstrap(), status.message()),
                         log);
}

std::string Flow::SetClusterError(Side side, std::string error, bool log) {
  const config::ClusterConfig& cluster = side == Side::kSource ? source_ : target_;
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

void Flow::StopParts() {
  {
    std::lock_guard lock(mu_);
    published_.state = FlowState::kStopping;
  }
  if (offset_loop_ != nullptr) offset_loop_->Stop();
  if (data_ != nullptr) {
    data_->Stop(kDrainTimeout);
    RecordProgress(RecordWhen::kStop);  // what the drain acknowledged
  }
  // Only now, with nothing in flight, may the other instances take this one's partitions.
  membership_.reset();
  std::lock_guard lock(mu_);
  published_.state = FlowState::kStopped;
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
  if (group_.enabled && membership_ == nullptr) {
    Result<std::unique_ptr<Membership>> membership = Membership::Create(target_, group_, flow_);
    if (!membership.ok()) {
      // Without the group this instance mirrors nothing: it must not take every partition.
      std::lock_guard lock(mu_);
      published_.target_error = membership.status().message();
      return false;
    }
    membership_ = std::move(membership).value();
  }
  const uint64_t target_fp = provenance::ClusterFingerprint(*target_id);
  source_fp_ = provenance::ClusterFingerprint(*source_id);
  DataPathOptions options{name_,
                          source_.ConsumerProperties(),
                          target_.ProducerProperties(),
                          source_fp_,
                          target_fp,
                          flow_.provenance_headers,
                          flow_.max_inflight_bytes,
                          flow_.max_inflight_bytes_per_partition};
  if (membership_ != nullptr) {
    options.transactional_id = TransactionalIdOf(group_, flow_);
    options.commit_interval = group_.commit_interval;
    options.group = membership_->consumer();
  }
  auto data = std::make_unique<DataPath>(std::move(options));
  s = data->Start();
  if (!s.ok()) {
    std::lock_guard lock(mu_);
    published_.source_error = s.message();
    return false;
  }
  data_ = std::move(data);
  kafka::Properties tail_properties = target_.ConsumerProperties();
  // In group mode the target's log holds aborted transactions (a former owner's): only what
  // was committed counts as copied.
  if (membership_ != nullptr) tail_properties.push_back({"isolation.level", "read_committed"});
  tails_ = std::make_unique<provenance::LogSearch>(tail_properties, name_ + "/target-tail");
  topic_sync_ = std::make_unique<TopicSync>(flow_, source_admin_.get(), target_admin_.get(),
                                            tails_.get(), source_fp_);
  std::unique_ptr<ResumeStrategy> progress = ResumeFromProgressGroup(
      target_.ConsumerProperties(), ProgressGroupName(flow_.source, flow_.target), name_);
  resume_ = flow_.provenance_headers
                ? ResumeFromTargetLog(tails_.get(), source_fp_, std::move(progress))
                : std::move(progress);
  if (flow_.mm2_takeover) mm2_ = NewMm2Takeover();
  Settle();
  offsets::FlowClusters clusters{&source_,   &target_, source_admin_.get(), target_admin_.get(),
                                 source_fp_, target_fp};
  Result<std::unique_ptr<offsets::OffsetLoop>> loop = offsets::OffsetLoop::Create(
      flow_, clusters, remote_heartbeats_topic_, [this] { return Mirrored(); });
  if (loop.ok()) {
    offset_loop_ = std::move(loop).value();
    offset_loop_->Start();
  } else {
    log::Error("flow", "offset sync not started",
               {{"flow", name_}, {"error", loop.status().message()}});
  }
  connect_backoff_ = 1s;
  log::Info("flow", "connected",
            {{"flow", name_}, {"source_cluster", *source_id}, {"target_cluster", *target_id}});
  return true;
}

void Flow::Reconcile() {
  std::vector<std::string> forget;
  for (const auto& [name, topic] : topic_sync_->topics()) {
    if (topic.gone) {
      for (int32_t p : partitions_.Release(name)) {
        data_->Post(StopPartition{{name, p}, "source topic deleted"});
      }
      if (!partitions_.Has(name)) forget.push_back(name);
      continue;
    }
    SetMessageLimit& sent = message_limits_[name];
    const SetMessageLimit limit{name, topic.max_message_bytes, topic.keys_required};
    if (topic.max_message_bytes != 0 && limit != sent) {
      sent = limit;
      data_->Post(limit);
    }
    if (!topic.Ready()) continue;
    // Heartbeats keep their prefixed names, so only identity-named topics can receive one
    // origin's records along two paths.
    const bool local_only = flow_.forward == config::Forward::kLocal && topic.remote == name;
    for (int32_t p = 0; p < topic.source_partitions; ++p) {
      if (group_.enabled && !Assigned(topic, p)) continue;
      partitions_.Add(name, p, topic.remote, local_only);
    }
  }
  if (group_.enabled) RefreshMembership();
  for (const std::string& name : forget) {
    topic_sync_->Forget(name);
    message_limits_.erase(name);
  }
}

void Flow::HandleEvents() {
  for (const DataEvent& e : data_->TakeEvents()) {
    // The source topic may have been deleted, or deleted and created again: look now,
    // rather than a refresh interval later, before anything of the new topic is copied as
    // if it were the old one's.
    if (e.kind == DataEvent::Kind::kStopping && e.reason == StatusCodeName(StatusCode::kNotFound) &&
        topic_sync_->Recheck(e.source.topic)) {
      Reconcile();
    }
    switch (partitions_.Apply(e, Clock::now())) {
      case PartitionTable::Outcome::kNone:
        break;
      case PartitionTable::Outcome::kForgotten: {
        auto topic = topic_sync_->topics().find(e.source.topic);
        if (topic != topic_sync_->topics().end() && topic->second.gone &&
            !partitions_.Has(e.source.topic)) {
          topic_sync_->Forget(e.source.topic);
          message_limits_.erase(e.source.topic);
        }
        break;
      }
      case PartitionTable::Outcome::kNeedsResume:
        Settle();
        break;
      case PartitionTable::Outcome::kOutOfRange:
        RestartOutOfRange(e);
        break;
    }
  }
}

// Without transactions, the last produce requests of a killed process or of a replaced
// producer may still be applied after the target's log was read, and would then be written
// twice: wait resume.settle.ms for them first. In group mode there is nothing to wait for:
// those requests belong to a transaction that can no longer commit (records are committed
// only once acknowledged, below the high watermark), which the new producer's
// init_transactions or the transaction timeout aborts, and a partition resumes only once no
// transaction is open on it (OpenTransaction), reading what was committed.
void Flow::Settle() {
  if (group_.enabled) return;
  settle_until_ = Clock::now() + flow_.resume_settle;
}

// The due partitions of every topic are looked up together, a few thousand at a time:
// looking up each topic alone cost a round trip or more per topic, minutes for a start
// with a hundred topics.
void Flow::ResumeDue() {
  if (Clock::now() < settle_until_) return;
  const auto now = Clock::now();
  std::vector<std::string> names;  // the source topic of each query
  std::vector<ResumeQuery> queries;
  size_t partitions = 0;
  for (const auto& [name, topic] : topic_sync_->topics()) {
    if (topic.gone || !topic.owned) continue;
    std::vector<int32_t> due = partitions_.Due(name, now);
    if (due.empty()) continue;
    std::vector<int32_t> left = mm2_ ? TakeOverFromMm2(name, topic, due) : due;
    if (membership_ != nullptr) {
      const std::string& remote = topic.remote;  // a lambda cannot capture a structured binding
      std::erase_if(left, [&](int32_t p) { return OpenTransaction(remote, p); });
    }
    if (left.empty()) continue;
    ResumeQuery& q = queries.emplace_back(ResumeQuery{topic.remote, topic.source_topic, {}});
    for (int32_t p : left) q.partitions.push_back(PartitionId(p));
    names.push_back(name);
    partitions += left.size();
    if (partitions >= kResumeBatch) {
      ResumeTopics(names, queries);
      names.clear();
      queries.clear();
      partitions = 0;
    }
    if (stop_.load()) return;
  }
  if (!queries.empty()) ResumeTopics(names, queries);
}

void Flow::ResumeTopics(const std::vector<std::string>& names,
                        const std::vector<ResumeQuery>& queries) {
  const auto began = Clock::now();
  Result<std::map<kafka::TopicPartition, Found>> found = resume_->FindAll(queries);
  size_t partitions = 0;
  for (const ResumeQuery& q : queries) partitions += q.partitions.size();
  log::Info("flow", "looked up where partitions resume",
            {{"flow", name_},
             {"topics", queries.size()},
             {"partitions", partitions},
             {"ms", MillisSince(began)}});
  if (!found.ok()) {
    log::Warn("flow", fmt::format("cannot read the {}; retrying", resume_->where()),
              {{"flow", name_},
               {"remote", queries.front().remote_topic},
               {"topics", queries.size()},
               {"error", found.status().message()}});
    return;
  }
  std::vector<std::pair<kafka::TopicPartition, StartPoint>> starts;
  for (size_t i = 0; i < queries.size(); ++i) {
    const std::string& name = names[i];
    const RemoteTopic& topic = topic_sync_->topics().at(name);
    for (PartitionId id : queries[i].partitions) {
      const int32_t p = id.value();
      PartitionTable::Entry* entry = partitions_.Find(name, p);
      auto it = found->find({topic.remote, p});
      const bool known = it != found->end();
      if (known && it->second.later) {
        entry->state->SetError(
            "the target has not said where this partition's log ends yet (no leader?); "
            "asking again",
            std::string(StatusCodeName(StatusCode::kUnavailable)));
        continue;  // still due: the next turn of the loop asks again
      }
      if (known && !it->second.next && !entry->forced_offset) {
        RefuseToGuess(name, topic, p, it->second.log_start);
        continue;
      }
      starts.push_back({{name, p},
                        ChooseStart(entry->forced_offset, entry->forced_from,
                                    known ? it->second.next : std::nullopt,
                                    known ? it->second.where : "", flow_.start_offset)});
    }
  }
  ResolveLogEnds(&starts);
  for (const auto& [tp, start] : starts) {
    StartPartitionAt(tp.topic, topic_sync_->topics().at(tp.topic), tp.partition, start);
  }
}

// Partitions that start at an end of the source's log (start.offset) get that end's offset
// from one ListOffsets look-up for all of them. Assigned a logical offset, librdkafka asks
// the leader for each partition alone, one request after the other: over a minute for a few
// thousand partitions on a busy broker. Without an answer, librdkafka looks it up.
void Flow::ResolveLogEnds(std::vector<std::pair<kafka::TopicPartition, StartPoint>>* starts) {
  std::vector<kafka::TopicPartitionOffset> ends;
  for (const auto& [tp, start] : *starts) {
    if (!start.at.offset()) ends.push_back({tp.topic, tp.partition, start.at.kafka_offset()});
  }
  if (ends.empty()) return;
  Result<std::vector<kafka::TopicPartitionOffset>> answers =
      source_admin_->OffsetsForTimes(ends, 15s);
  if (!answers.ok()) return;
  ApplyLogEnds(*answers, starts);
}

// Records were mirrored into the remote partition (it is not empty from offset 0), none of
// them are left, and the progress group does not say where the flow stopped: start.offset
// would mirror them again or skip records. The partition stays stopped until an operator
// says where it continues, and is retried after the backoff in case they have.
void Flow::RefuseToGuess(const std::string& name, const RemoteTopic& topic, int32_t partition,
                         int64_t log_start) {
  const std::string group = ProgressGroupName(flow_.source, flow_.target);
  const Status error(
      StatusCode::kDataLoss,
      fmt::format(
          "{}[{}] on {} has held records (its log starts at offset {}) but none copied by this "
          "flow are left (target retention or deleted records?), and group {} holds no position "
          "for it: resuming at start.offset would mirror records again or skip some. Set the "
          "first source offset to mirror with: strait progress set --config <file> --flow '{}' "
          "--topic {} --partition {} --offset <source offset>",
          topic.remote, partition, flow_.target, log_start, group, name_, name, partition));
  log::Error(
      "flow", "partition not started: where it stopped is not known",
      {{"flow", name_}, {"topic", name}, {"partition", partition}, {"error", error.message()}});
  partitions_.StartFailed(name, partition, error, Clock::now());
}

void Flow::StartPartitionAt(const std::string& name, const RemoteTopic& topic, int32_t partition,
                            const StartPoint& start) {
  PartitionTable::Entry* entry = partitions_.Find(name, partition);
  log::Info("flow", "partition resumes",
            {{"flow", name_},
             {"topic", name},
             {"partition", partition},
             {"offset", start.at.kafka_offset()},
             {"from", start.from}});
  partitions_.Started(name, partition);
  data_->Post(StartPartition{entry->state, start.at, topic.max_message_bytes, topic.keys_required,
                             topic.source_topic});
}

// Asks the source for the end of every mirrored partition (one ListOffsets request per
// leader). It keeps lag honest for partitions the consumer is not fetching (throttled,
// stopped) and shows when the source stops answering (a cut link).
void Flow::PollWatermarks() {
  std::vector<kafka::TopicPartitionOffset> query;
  std::vector<PartitionState*> states;
  for (const auto& [name, partitions] : partitions_.topics()) {
    for (const auto& [p, entry] : partitions) {
      query.push_back({name, p, kafka::kOffsetEnd});
      states.push_back(entry.state.get());
    }
  }
  if (query.empty()) return;
  for (PartitionState* state : states) state->ObserveProgress(NowMs());
  Result<std::vector<kafka::TopicPartitionOffset>> ends = source_admin_->OffsetsForTimes(query, 5s);
  SetClusterError(Side::kSource, ends.status(), /*log=*/true);
  if (!ends.ok()) return;
  const int64_t now = NowMs();
  for (size_t i = 0; i < ends->size() && i < states.size(); ++i) {
    const kafka::TopicPartitionOffset& e = (*ends)[i];
    if (e.error.ok() && e.offset >= 0) states[i]->ObserveQueriedHigh(SourceOffset(e.offset), now);
  }
}

void Flow::RecordProgress(RecordWhen when) {
  std::vector<Progress> progress;
  for (const auto& [name, partitions] : partitions_.topics()) {
    auto topic = topic_sync_->topics().find(name);
    const uint64_t source_topic =
        topic != topic_sync_->topics().end() ? topic->second.source_topic : 0;
    for (const auto& [p, entry] : partitions) {
      progress.push_back({entry.state->remote_topic(), entry.state->partition(),
                          entry.state->acked_next.load(), source_topic});
    }
  }
  resume_->Record(progress, when);
}

offsets::MirrorView Flow::Mirrored() const {
  FlowSnapshot snapshot = Snapshot();
  offsets::MirrorView view;
  std::map<std::string, offsets::MirroredTopic> by_topic;
  for (const auto& p : snapshot.partitions) {
    offsets::MirroredTopic& t = by_topic[p->source_topic()];
    t.source_topic = p->source_topic();
    t.remote_topic = p->remote_topic();
    // Shares ownership of the partition, so the map outlives the round that reads it.
    std::shared_ptr<const offsets::OffsetMap> map(p, &p->offset_map);
    const SourceOffset next = p->acked_next.load();
    t.partitions.push_back(
        {p->partition(), std::move(map), next.value() >= 0 ? std::optional(next) : std::nullopt});
  }
  for (auto& [name, t] : by_topic) view.topics.push_back(std::move(t));
  view.remote_heartbeats_mirrored =
      std::any_of(snapshot.topics.begin(), snapshot.topics.end(), [&](const TopicStatus& t) {
        return t.remote_topic == remote_heartbeats_topic_ && t.target_partitions > 0;
      });
  return view;
}

void Flow::Publish() {
  FlowSnapshot s;
  if (topic_sync_ != nullptr) {
    for (const auto& [name, topic] : topic_sync_->topics()) {
      s.topics.push_back(
          {name, topic.remote, topic.source_partitions, topic.target_partitions, topic.error});
      if (!topic.error.empty()) ++s.topic_errors;
    }
  }
  for (const auto& [name, partitions] : partitions_.topics()) {
    for (const auto& [p, entry] : partitions) s.partitions.push_back(entry.state);
  }
  if (data_ != nullptr) {
    s.inflight_bytes = data_->inflight_bytes();
    s.dropped_duplicates = data_->dropped_duplicates();
    s.producer_resets = data_->producer_resets();
    s.transactions_rewound = data_->rewound_transactions();
    s.data_last_loop_ms = data_->last_loop_ms();
    for (LoopState state : kLoopStates) {
      s.data_loop_seconds[static_cast<size_t>(state)] = data_->loop_seconds(state);
    }
  }
  s.records_expired = records_expired_;
  s.source_truncations = source_truncations_;
  if (membership_ != nullptr) s.group = membership_->status();
  if (offset_loop_ != nullptr) {
    s.groups = offset_loop_->groups();
    s.checkpoints_written = offset_loop_->checkpoints_written();
    s.heartbeats = offset_loop_->heartbeats();
    s.acls = offset_loop_->acls();
  }
  std::lock_guard lock(mu_);
  s.name = published_.name;
  s.source = published_.source;
  s.target = published_.target;
  s.state =
      stop_.load() ? FlowState::kStopping : (data_ ? FlowState::kRunning : FlowState::kConnecting);
  s.source_error = published_.source_error;
  s.target_error = published_.target_error;
  published_ = std::move(s);
}

FlowSnapshot Flow::Snapshot() const {
  std::lock_guard lock(mu_);
  return published_;
}

bool Flow::Healthy() const {
  if (paused_.load()) return true;  // no threads to hang
  const int64_t now = NowMs();
  // The control loop may block in an admin call for up to a tail-read timeout.
  const bool control_alive = now - last_loop_ms_.load() < 120000;
  std::lock_guard lock(mu_);
  const bool data_alive =
      published_.data_last_loop_ms == 0 || now - published_.data_last_loop_ms < 60000;
  return control_alive && data_alive;
}

}  // namespace strait::replication
