// One flow (source alias -> target alias): the control loop that drives its parts.
//
// The control thread ("control") connects to both clusters, then goes round a loop:
//  - hands the data path's events to the partition table (partition_table.h), which moves
//    partitions between stages;
//  - every refresh.interval.ms, a topic sync round (topic_sync.h), then adds the partitions
//    of topics that became ready and releases those of topics that are gone;
//  - starts the partitions that are due where the resume strategy (resume.h) says, on the
//    data path (data_path.h, its own thread);
//  - every two seconds, asks the source for its high watermarks and records progress;
//  - publishes a FlowSnapshot.
// The offset thread (offsets/offset_loop.h) runs heartbeats and group sync beside it, reading
// what is mirrored through the snapshot.
//
// Start/RequestStop/Join are for the owner (Replicator); Snapshot() and Healthy() may be
// called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "kafka/admin.h"
#include "mm2/naming.h"
#include "offsets/mm2_takeover.h"
#include "offsets/offset_loop.h"
#include "provenance/log_search.h"
#include "replication/data_path.h"
#include "replication/flow_snapshot.h"
#include "replication/membership.h"
#include "replication/partition_table.h"
#include "replication/resume.h"
#include "replication/topic_sync.h"

namespace strait::replication {

class Flow {
 public:
  Flow(const config::Config& config, const config::FlowConfig& flow);
  ~Flow();

  void Start();
  // Instead of Start(): the flow stays stopped and reports "paused" (control/controller.h).
  void MarkPaused();
  void RequestStop();
  // Waits for the control thread, which drains the data path first.
  void Join();

  FlowSnapshot Snapshot() const;
  // False when a thread stopped going round its loop (a hang) — for /healthz.
  bool Healthy() const;

 private:
  using Clock = std::chrono::steady_clock;

  enum class Side { kSource, kTarget };

  void Run();
  bool Connect();
  // Publishes (and, with `log`, logs when it changes) why a cluster cannot be reached;
  // returns the message, empty for OK.
  std::string SetClusterError(Side side, const Status& status, bool log);
  std::string SetClusterError(Side side, std::string error, bool log);
  void StopParts();
  // Brings the partition table in line with the topics after a sync round.
  void Reconcile();
  void HandleEvents();
  // Group mode (flow_group.cc): takes the group's assignment changes; a revoked partition
  // is stopped, and the revoke acknowledged once every revoked partition is released.
  void HandleRebalance();
  bool Assigned(const RemoteTopic& topic, int32_t partition) const;
  void RefreshMembership();
  // Group mode: true (and the partition waits) while the remote partition has an open
  // transaction, or that cannot be read.
  bool OpenTransaction(const std::string& remote, int32_t partition);
  // The source topic whose remote topic is `remote`, or null.
  const std::string* SourceTopicOf(const std::string& remote) const;
  // flow_source_bounds.cc: the source lacks the offset a partition was at.
  void RestartOutOfRange(const DataEvent& event);
  void RestartAfterTruncation(const DataEvent& event);
  // Counts, logs and shows in /status a truncation of the source's log; `restart` nullopt:
  // the partition is held.
  void NoteTruncation(const DataEvent& event, std::optional<SourceOffset> mirrored_up_to,
                      std::optional<SourceOffset> diverges_at, std::optional<SourceOffset> restart,
                      std::string_view detected_by);
  // Holds resumes back for resume.settle.ms, without group mode only.
  void Settle();
  void ResumeDue();
  // Starts the partitions of `queries` (of source topics `names`, one each) where the
  // resume strategy finds them.
  void ResumeTopics(const std::vector<std::string>& names, const std::vector<ResumeQuery>& queries);
  void ResolveLogEnds(std::vector<std::pair<kafka::TopicPartition, StartPoint>>* starts);
  // Posts a StartPartition for a partition that was due, and logs where it starts.
  void StartPartitionAt(const std::string& topic, const RemoteTopic& remote, int32_t partition,
                        const StartPoint& start);
  // mm2.takeover (flow_mm2.cc): starts the partitions MirrorMaker 2 mirrored and strait has
  // not written to yet where MirrorMaker 2 stopped; returns the others, for the usual resume.
  std::unique_ptr<offsets::Mm2Takeover> NewMm2Takeover() const;
  std::vector<int32_t> TakeOverFromMm2(const std::string& topic, const RemoteTopic& remote,
                                       const std::vector<int32_t>& partitions);
  // Records were mirrored into the partition and none are left: stops it with an error.
  void RefuseToGuess(const std::string& topic, const RemoteTopic& remote, int32_t partition,
                     int64_t log_start);
  void PollWatermarks();
  void RecordProgress(RecordWhen when);
  void Publish();
  void Wait(std::chrono::milliseconds d);
  offsets::MirrorView Mirrored() const;

  const config::FlowConfig flow_;
  const config::GroupConfig group_;
  const config::ClusterConfig source_;
  const config::ClusterConfig target_;
  const std::string name_;
  const std::string remote_heartbeats_topic_;

  // Made by Connect(), on the control thread; the parts below point into the admins.
  std::unique_ptr<kafka::Admin> source_admin_;
  std::unique_ptr<kafka::Admin> target_admin_;
  std::unique_ptr<provenance::LogSearch> tails_;
  std::unique_ptr<DataPath> data_;
  std::unique_ptr<TopicSync> topic_sync_;
  std::unique_ptr<ResumeStrategy> resume_;
  std::unique_ptr<offsets::OffsetLoop> offset_loop_;
  std::unique_ptr<offsets::Mm2Takeover> mm2_;  // with mm2.takeover only
  std::unique_ptr<Membership> membership_;     // with group.enabled only

  // Control thread only.
  PartitionTable partitions_;
  std::map<std::string, SetMessageLimit> message_limits_;  // what the data path was told
  uint64_t source_fp_ = 0;                                 // the source cluster's, once connected
  Clock::time_point settle_until_{};
  std::chrono::seconds connect_backoff_{1};
  int64_t records_expired_ = 0;
  int64_t source_truncations_ = 0;
  // Group mode: the remote partitions the group gave this instance, and those revoked from
  // it whose release the group still waits for.
  std::set<kafka::TopicPartition> assigned_;
  std::vector<kafka::TopicPartition> revoking_;

  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> paused_{false};
  std::atomic<int64_t> last_loop_ms_{0};
  mutable std::mutex mu_;
  std::condition_variable wake_;
  FlowSnapshot published_;  // guarded by mu_
};

}  // namespace strait::replication
