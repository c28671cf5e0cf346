// The offset thread ("offsets") of one flow: MirrorMaker 2 heartbeats every
// heartbeat.interval.ms (heartbeats.h), consumer-group translation every
// checkpoint.interval.ms (group_sync.h), and ACL sync every sync.acls.interval.ms
// (acl/acl_sync.h), over what the flow has mirrored so far. The flow
// tells it that through a snapshot callback, called on the offset thread at the start of a
// round; the offset maps it hands over stay alive for the round.
//
// Create/Start/Stop from the flow's control thread; the status getters from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "acl/acl_sync.h"
#include "base/status.h"
#include "config/config.h"
#include "kafka/admin.h"
#include "offsets/group_sync.h"
#include "offsets/heartbeats.h"

namespace strait::offsets {

// What the loop needs to know of the flow, as of now.
struct MirrorView {
  std::vector<MirroredTopic> topics;
  // The source's heartbeats have a remote topic on the target that can be read.
  bool remote_heartbeats_mirrored = false;
};

// The two clusters of a flow, as the loop reaches them. The admins stay owned by the flow
// and must outlive the loop.
struct FlowClusters {
  const config::ClusterConfig* source = nullptr;
  const config::ClusterConfig* target = nullptr;
  kafka::Admin* source_admin = nullptr;
  kafka::Admin* target_admin = nullptr;
  uint64_t source_fingerprint = 0;
  uint64_t target_fingerprint = 0;
};

class OffsetLoop {
 public:
  // Creates the writers and readers the flow's settings ask for; starts nothing yet.
  static Result<std::unique_ptr<OffsetLoop>> Create(const config::FlowConfig& flow,
                                                    const FlowClusters& clusters,
                                                    std::string remote_heartbeats_topic,
                                                    std::function<MirrorView()> snapshot);
  ~OffsetLoop();

  void Start();
  // Wakes the thread and waits for it (a round in progress finishes first).
  void Stop();

  std::vector<GroupStatus> groups() const;
  int64_t checkpoints_written() const;
  HeartbeatStatus heartbeats() const;
  // Absent when ACL sync is off.
  std::optional<acl::AclSyncStatus> acls() const;

 private:
  OffsetLoop(const config::FlowConfig& flow, std::function<MirrorView()> snapshot);
  void Run();

  const std::chrono::milliseconds heartbeat_interval_;
  const std::chrono::milliseconds checkpoint_interval_;
  const std::chrono::milliseconds acl_interval_;
  std::function<MirrorView()> snapshot_;
  std::unique_ptr<Heartbeats> heartbeats_;
  std::unique_ptr<GroupSync> group_sync_;   // null when neither checkpoints nor group sync
  std::unique_ptr<acl::AclSync> acl_sync_;  // null when ACL sync is off

  std::thread thread_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;  // guarded by mu_
};

}  // namespace strait::offsets
