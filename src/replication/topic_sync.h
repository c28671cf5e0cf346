// Topic sync for one flow: keeps each remote topic in step with its source topic. A round
// reads both clusters' metadata and the topics' configs, then for every source topic the
// flow mirrors creates the remote topic (the source's partition count and overrides), raises
// its partition count, syncs its configs (config_sync.h, within refresh.interval.ms), and
// decides whether the flow may write into it at all (ownership). A source topic that
// disappeared is marked gone, and stays until the flow has let its partitions go (Forget).
// So is one whose topic id changed (deleted and created again between two rounds): its
// partitions are let go, and the new topic is taken up as a new one once they are.
//
// Which partitions run where is not its business: the Flow reads topics() after a round.
// Not thread-safe: owned and called by the flow's control thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/name_filter.h"
#include "config/config.h"
#include "kafka/admin.h"
#include "mm2/naming.h"
#include "provenance/log_search.h"
#include "replication/config_sync.h"
#include "replication/topic_filter.h"

namespace strait::replication {

struct RemoteTopic {
  std::string remote;
  int32_t source_partitions = 0;
  int32_t target_partitions = 0;
  bool owned = false;             // created by strait, or shown to hold this flow's records
  bool gone = false;              // deleted at the source
  int64_t max_message_bytes = 0;  // the remote topic's max.message.bytes
  bool keys_required = false;     // its cleanup.policy compacts: it refuses null keys
  // provenance::TopicFingerprint of the source topic's id (0: the source has no topic ids).
  uint64_t source_topic = 0;
  std::string error;  // empty when the topic can be mirrored

  // Every source partition has a remote partition the flow may write, and the remote
  // topic's record size limit is known.
  bool Ready() const {
    return owned && !gone && target_partitions >= source_partitions && max_message_bytes > 0;
  }
};

class TopicSync {
 public:
  // `target_tails` and `source_fingerprint` tell records this flow copied (ownership).
  TopicSync(const config::FlowConfig& flow, kafka::Admin* source_admin, kafka::Admin* target_admin,
            provenance::LogSearch* target_tails, uint64_t source_fingerprint);

  // What a round could not read: a cluster's metadata (OK when both answered).
  struct Errors {
    Status source, target;
  };
  Errors Round();

  // Between rounds, when a partition of `source_topic` ran into an error that a deletion
  // causes (not found, offset out of range): asks the source for the topic's id now, and
  // marks the topic gone if it is deleted or is another topic of that name. True if so.
  bool Recheck(const std::string& source_topic);

  // By source topic name.
  const std::map<std::string, RemoteTopic>& topics() const { return topics_; }
  // Drops a gone topic once none of its partitions is mirrored any more.
  void Forget(const std::string& source_topic) { topics_.erase(source_topic); }

 private:
  // A topic strait may see but not read the configs of: said once, shown in /status.
  void DeniedTopic(const std::string& name, const Status& why);
  // Marks gone the topics whose id is not the one they were mirrored with.
  void MarkRecreated(const std::map<std::string, uint64_t>& ids);
  void SyncTopic(const std::string& name, int32_t source_partitions, uint64_t source_topic,
                 const kafka::ClusterMetadata& target_md,
                 const std::vector<kafka::ConfigEntry>& source_configs,
                 const std::vector<kafka::ConfigEntry>* target_configs);
  // Creates the remote topics SyncTopic found missing this round (to_create_).
  void CreateRemotes();
  // Sets the topic's record limits from the remote topic's configs (`desired` first) and
  // its error from `status`.
  void SetLimits(const std::string& name, RemoteTopic& entry, const ConfigMap& desired,
                 const std::vector<kafka::ConfigEntry>* target_configs, const Status& status);
  Status CheckOwnership(RemoteTopic& entry);
  // False when any target topic may be written (CheckOwnership has nothing to check).
  bool ChecksOwnership() const;
  // Reads the tails of every existing, not yet owned remote topic of `matched` together
  // (ownership_), so that CheckOwnership need not read them one topic at a time.
  void ReadOwnership(const std::map<std::string, int32_t>& matched,
                     const kafka::ClusterMetadata& target_md);
  void MarkGone(const std::string& name, RemoteTopic& entry, bool recreated = false);

  const config::FlowConfig flow_;
  const std::string name_;
  const mm2::NamingContext naming_;
  const TopicFilter filter_;
  const NameFilter config_excludes_;
  kafka::Admin* source_admin_;
  kafka::Admin* target_admin_;
  provenance::LogSearch* target_tails_;
  const uint64_t source_fp_;
  std::map<std::string, RemoteTopic> topics_;
  struct ToCreate {
    std::string name;  // the source topic
    int32_t partitions = 0;
    ConfigMap configs;
  };
  std::vector<ToCreate> to_create_;  // during a round
  struct Ownership {
    size_t partitions = 0;  // answered
    bool has_records = false, has_ours = false;
  };
  std::map<std::string, Ownership> ownership_;  // by remote topic, during a round
};

}  // namespace strait::replication
