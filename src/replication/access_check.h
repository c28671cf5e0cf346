// What a flow needs from the authorizers of its two clusters, and which of it they do not
// grant: `strait check` asks this before anything runs, so that a missing ACL shows up as
// one line naming the cluster, the principal, the operation and the resource
// (docs/security.md lists the same ACLs).
//
// FlowNeeds() is pure; FindMissingAccess() asks the clusters (Kafka's authorized operations,
// and a validate-only CreateTopics for topics that do not exist yet). One thread.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "config/config.h"
#include "kafka/acl.h"
#include "kafka/admin.h"

namespace strait::replication {

enum class Side { kSource, kTarget };

struct AccessNeed {
  Side side = Side::kSource;
  kafka::AclOperation operation = kafka::AclOperation::kRead;
  kafka::AclResourceType type = kafka::AclResourceType::kTopic;
  std::string name;       // a topic's name; empty for the cluster
  bool create = false;    // a topic that does not exist yet: CREATE is checked by validation
  std::string feature;    // "mirroring", "topic creation", "heartbeats", ...
  bool prefixed = false;  // `name` is a prefix (the transactional ids of group mode)
};

// The topics of one flow as they are now.
struct FlowTopics {
  std::vector<std::string> source;           // source topics the flow mirrors
  std::vector<std::string> remote_existing;  // their remote topics that exist on the target
  std::vector<std::string> remote_missing;   // ... and those strait will create
  bool source_heartbeats_exist = false;      // "heartbeats" on the source
  bool target_heartbeats_exist = false;      // "heartbeats" on the target
  bool checkpoints_exist = false;            // "<source>.checkpoints.internal" on the target
};

std::vector<AccessNeed> FlowNeeds(const config::FlowConfig& flow, const FlowTopics& topics);

// What group mode (config `group`) needs on the flow's target: Read and Describe on the
// flow's group, and Write on its transactional ids, a prefix (Kafka implies Describe).
std::vector<AccessNeed> GroupNeeds(const config::GroupConfig& group,
                                   const config::FlowConfig& flow);

// Whether a transactional producer may use `transactional_id` on the target (it initializes
// transactions with it): Kafka has no other way to ask about a transactional id.
using TransactionProbe = std::function<Status(const std::string& transactional_id)>;

struct MissingAccess {
  AccessNeed need;
  std::string message;  // names the cluster, principal, operation, resource and the fix
};

// The needs the clusters' authorizers do not grant; an error when a cluster cannot say. With
// `group` enabled, GroupNeeds too, the transactional ids through `probe`.
Result<std::vector<MissingAccess>> FindMissingAccess(const config::FlowConfig& flow,
                                                     const FlowTopics& topics, kafka::Admin& source,
                                                     kafka::Admin& target,
                                                     const config::GroupConfig& group = {},
                                                     const TransactionProbe& probe = nullptr);

}  // namespace strait::replication
