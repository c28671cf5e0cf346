// One flow (source alias -> target alias): its control loop, and the data path it drives.
//
// The control thread ("control") connects to both clusters, keeps the remote topics in
// step with the source (creation, partition counts, configs: within refresh.interval.ms),
// decides where each partition resumes (from the target's own log: offsets/log_search.h), starts
// and restarts partitions on the DataPath, and publishes a status snapshot. Start/RequestStop
// /Join are for the owner (Replicator); Snapshot() may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "acl/acl_sync.h"
#include "config/config.h"
#include "kafka/admin.h"
#include "offsets/group_sync.h"
#include "offsets/heartbeats.h"
#include "offsets/log_search.h"
#include "offsets/mm2_writer.h"
#include "replication/data_path.h"
#include "replication/naming.h"
#include "replication/partition_state.h"
#include "replication/topic_filter.h"

namespace strait::replication {

struct TopicStatus {
  std::string source_topic;
  std::string remote_topic;
  int32_t source_partitions = 0;
  int32_t target_partitions = 0;
  std::string error;  // empty when the topic is mirrored
};

struct FlowSnapshot {
  std::string name, source, target;
  std::string state;  // connecting, running, stopping, stopped
  std::string source_error, target_error;
  std::vector<TopicStatus> topics;
  std::vector<std::shared_ptr<const PartitionState>> partitions;
  int64_t inflight_bytes = 0;
  int64_t dropped_duplicates = 0;
  int64_t producer_resets = 0;
  int64_t records_expired = 0;  // deleted at the source (retention) before being mirrored
  int64_t topic_errors = 0;
  int64_t data_last_loop_ms = 0;  // when the data thread last went round its loop
  std::vector<offsets::GroupStatus> groups;
  int64_t checkpoints_written = 0;
  offsets::HeartbeatStatus heartbeats;
  std::optional<acl::AclSyncStatus> acls;  // absent when ACL sync is off
};

class Flow {
 public:
  Flow(const config::Config& config, const config::FlowConfig& flow);
  ~Flow();

  void Start();
  void RequestStop();
  // Waits for the control thread, which drains the data path first.
  void Join();

  FlowSnapshot Snapshot() const;
  // False when a thread stopped going round its loop (a hang) — for /healthz.
  bool Healthy() const;

 private:
  using Clock = std::chrono::steady_clock;

  struct PartitionEntry {
    enum class Stage { kPending, kRunning, kStopped, kReleasing };
    Stage stage = Stage::kPending;
    std::shared_ptr<PartitionState> state;
    Clock::time_point retry_at{};
    std::chrono::milliseconds backoff{0};  // 0: the flow's partition.retry.backoff.ms
    std::optional<int64_t> forced_offset;  // after an out-of-range: where to restart
  };
  struct TopicEntry {
    std::string remote;
    int32_t source_partitions = 0;
    int32_t target_partitions = 0;
    bool owned = false;  // created by strait, or shown to hold this flow's records
    bool gone = false;   // deleted at the source
    int64_t max_message_bytes = 0;
    std::string error;
    std::map<int32_t, PartitionEntry> partitions;
  };

  enum class Side { kSource, kTarget };

  void Run();
  bool Connect();
  // Publishes (and, with `log`, logs when it changes) why a cluster cannot be reached; the
  // message, empty for OK.
  std::string SetClusterError(Side side, const Status& status, bool log);
  void Sync();
  void SyncTopic(const std::string& name, int32_t source_partitions,
                 const kafka::ClusterMetadata& target_md,
                 const std::vector<kafka::ConfigEntry>& source_configs,
                 const std::vector<kafka::ConfigEntry>* target_configs);
  Status CreateRemote(TopicEntry& entry, int32_t partitions,
                      const std::map<std::string, std::string>& configs);
  Status CheckOwnership(TopicEntry& entry);
  void ForgetTopic(const std::string& name);
  void DeniedTopic(const std::string& name, const Status& why);
  void HandleEvents();
  void ResumePending();
  void ResumeTopic(const std::string& name, TopicEntry& entry, const std::vector<int32_t>& parts);
  void PollWatermarks();
  // Without provenance headers the target's log cannot say where a partition stopped, so
  // acknowledged positions are committed to a consumer group on the target instead.
  std::string ProgressGroup() const;
  void CommitProgress();
  Result<std::map<int32_t, int64_t>> CommittedProgress(const std::string& remote,
                                                       const std::vector<int32_t>& parts);
  // The offset thread ("offsets"): heartbeats every heartbeat.interval.ms, group offset
  // translation every checkpoint.interval.ms. Started once connected.
  Status StartOffsets();
  void RunOffsets();
  std::vector<offsets::MirroredTopic> MirroredTopics(const FlowSnapshot& snapshot) const;
  // Source topic -> remote topic, for those whose remote topic exists (ACL sync).
  static acl::TopicMap MirroredTopicNames(const FlowSnapshot& snapshot);
  void Publish();
  void Wait(std::chrono::milliseconds d);
  Status StartHeartbeats();
  std::string RemoteHeartbeatsTopic() const;
  // The source's heartbeats have a remote topic on the target that can be read.
  bool RemoteHeartbeatsMirrored() const;

  const config::FlowConfig flow_;
  const config::ClusterConfig source_;
  const config::ClusterConfig target_;
  const std::string name_;
  NamingContext naming_;
  TopicFilter filter_;
  NameFilter config_excludes_;

  std::unique_ptr<kafka::Admin> source_admin_;
  std::unique_ptr<kafka::Admin> target_admin_;
  std::unique_ptr<DataPath> data_;
  std::unique_ptr<offsets::LogSearch> tails_;
  uint64_t source_fp_ = 0;
  uint64_t target_fp_ = 0;
  Clock::time_point settle_until_{};
  std::chrono::seconds connect_backoff_{1};
  std::map<std::string, TopicEntry> topics_;  // by source topic; control thread only
  int64_t records_expired_ = 0;
  std::map<kafka::TopicPartition, int64_t> committed_;  // progress already committed

  std::unique_ptr<offsets::GroupSync> group_sync_;
  std::unique_ptr<offsets::Heartbeats> heartbeats_;
  std::unique_ptr<acl::AclSync> acl_sync_;
  std::thread offsets_thread_;

  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> last_loop_ms_{0};
  mutable std::mutex mu_;
  std::condition_variable wake_;
  FlowSnapshot published_;  // guarded by mu_
};

}  // namespace strait::replication
