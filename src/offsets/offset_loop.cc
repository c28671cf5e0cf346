#include "offsets/offset_loop.h"

#include <pthread.h>

#include <algorithm>

#include "base/clock.h"
#include "mm2/writer.h"
#include "provenance/log_search.h"

namespace strait::offsets {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

OffsetLoop::OffsetLoop(const config::FlowConfig& flow, std::function<MirrorView()> snapshot)
    : heartbeat_interval_(flow.heartbeat_interval),
      checkpoint_interval_(flow.checkpoint_interval),
      acl_interval_(flow.acl_sync_interval),
      snapshot_(std::move(snapshot)) {}

Result<std::unique_ptr<OffsetLoop>> OffsetLoop::Create(const config::FlowConfig& flow,
                                                       const FlowClusters& c,
                                                       std::string remote_heartbeats_topic,
                                                       std::function<MirrorView()> snapshot) {
  std::unique_ptr<OffsetLoop> loop(new OffsetLoop(flow, std::move(snapshot)));
  const std::string name = flow.Name();
  std::unique_ptr<mm2::Writer> to_target, to_source;
  if (flow.emit_heartbeats) {
    STRAIT_ASSIGN_OR_RETURN(
        to_target, mm2::Writer::Create(name + "/heartbeats", c.target->ProducerProperties(),
                                       c.target_admin, flow.replication_factor));
    // The source's own replication factor default: flow settings describe the target.
    STRAIT_ASSIGN_OR_RETURN(
        to_source, mm2::Writer::Create(name + "/source-heartbeats", c.source->ProducerProperties(),
                                       c.source_admin, -1));
  }
  Heartbeats::Options options{name, flow.source, flow.target, std::move(remote_heartbeats_topic)};
  loop->heartbeats_ = std::make_unique<Heartbeats>(
      std::move(options), std::move(to_target), std::move(to_source),
      std::make_unique<provenance::LogSearch>(c.target->ConsumerProperties(),
                                              name + "/heartbeat-reader", 5s));
  if (flow.emit_checkpoints || flow.sync_group_offsets) {
    STRAIT_ASSIGN_OR_RETURN(
        std::unique_ptr<mm2::Writer> writer,
        mm2::Writer::Create(name + "/checkpoints", c.target->ProducerProperties(), c.target_admin,
                            flow.replication_factor));
    GroupSyncOptions options{name,
                             flow.source,
                             flow.target,
                             flow.separator,
                             flow.naming == config::Naming::kPrefix,
                             flow.groups,
                             flow.groups_exclude,
                             flow.emit_checkpoints,
                             flow.sync_group_offsets,
                             flow.mm2_takeover};
    loop->group_sync_ = std::make_unique<GroupSync>(
        std::move(options), c.source_admin, c.target_admin, std::move(writer),
        std::make_unique<provenance::LogSearch>(c.target->ConsumerProperties(),
                                                name + "/target-search"),
        std::make_unique<provenance::LogSearch>(c.source->ConsumerProperties(),
                                                name + "/source-search"),
        c.source_fingerprint, c.target_fingerprint);
  }
  loop->acl_sync_ = acl::MakeAclSync(flow, *c.target, c.source_admin, c.target_admin);
  return loop;
}

OffsetLoop::~OffsetLoop() { Stop(); }

void OffsetLoop::Start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "offsets");
    Run();
  });
}

void OffsetLoop::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

namespace {

// Source topic -> remote topic of what is mirrored now: the topics whose ACLs are copied.
acl::TopicMap TopicNames(const MirrorView& view) {
  acl::TopicMap out;
  for (const MirroredTopic& t : view.topics) out[t.source_topic] = t.remote_topic;
  return out;
}

}  // namespace

void OffsetLoop::Run() {
  auto next_heartbeat = Clock::now();
  auto next_groups = Clock::now() + checkpoint_interval_;
  auto next_acls = Clock::now();
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    auto now = Clock::now();
    const bool heartbeat_due = now >= next_heartbeat;
    const bool groups_due = group_sync_ != nullptr && now >= next_groups;
    const bool acls_due = acl_sync_ != nullptr && now >= next_acls;
    if (heartbeat_due || groups_due || acls_due) {
      MirrorView view = snapshot_();
      if (heartbeat_due) {
        heartbeats_->RunOnce(NowMs(), view.remote_heartbeats_mirrored);
        next_heartbeat = now + heartbeat_interval_;
      }
      if (groups_due) {
        group_sync_->RunOnce(view.topics);
        next_groups = Clock::now() + checkpoint_interval_;
      }
      if (acls_due) {
        acl_sync_->RunOnce(TopicNames(view));
        next_acls = Clock::now() + acl_interval_;
      }
    }
    auto next = std::min(next_heartbeat, next_groups);
    if (acl_sync_ != nullptr) next = std::min(next, next_acls);
    lock.lock();
    wake_.wait_until(lock, next + 1ms, [this] { return stop_; });
  }
}

std::vector<GroupStatus> OffsetLoop::groups() const {
  return group_sync_ != nullptr ? group_sync_->Statuses() : std::vector<GroupStatus>{};
}

int64_t OffsetLoop::checkpoints_written() const {
  return group_sync_ != nullptr ? group_sync_->checkpoints_written() : 0;
}

HeartbeatStatus OffsetLoop::heartbeats() const { return heartbeats_->Snapshot(); }

std::optional<acl::AclSyncStatus> OffsetLoop::acls() const {
  if (acl_sync_ == nullptr) return std::nullopt;
  return acl_sync_->Snapshot();
}

}  // namespace strait::offsets
