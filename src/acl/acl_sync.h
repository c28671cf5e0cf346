// ACL sync for one flow: reads the source's ACLs, works out the target's (rules.h) and
// creates and removes ACLs on the target until they match, every sync.acls.interval.ms.
//
// Owned by the Flow. RunOnce() runs on one thread (the flow's offset thread); Snapshot()
// from any thread. The admin clients belong to the flow and outlive this object.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>

#include "acl/rules.h"
#include "base/name_filter.h"
#include "config/config.h"
#include "kafka/admin.h"

namespace strait::acl {

struct AclSyncOptions {
  std::string flow_name;
  std::string source_alias;
  std::string target_alias;
  AclRules rules;
  std::vector<std::string> groups = {".*"};  // the flow's group filter
  std::vector<std::string> groups_exclude;
};

struct AclSyncStatus {
  // waiting (no round yet) | synced | no-authorizer (when librdkafka reports
  // SECURITY_DISABLED, which 2.15.1 does not) | error
  std::string state = "waiting";
  std::string detail;
  int64_t bindings = 0;  // target ACLs that mirror the source's, after the last round
  int64_t created_total = 0;
  int64_t removed_total = 0;
};

class AclSync {
 public:
  AclSync(AclSyncOptions options, kafka::Admin* source, kafka::Admin* target);

  // One round for the topics mirrored now.
  void RunOnce(const TopicMap& topics);
  AclSyncStatus Snapshot() const;

 private:
  Status Round(const TopicMap& topics);
  // Whether the cluster says strait's principal may do `needed` on it; a denial otherwise.
  Status CheckAccess(kafka::Admin* admin, const std::string& alias,
                     std::initializer_list<kafka::AclOperation> needed);
  // One side's ACLs, or nullopt (and state no-authorizer) when it has no authorizer.
  Result<std::optional<std::vector<kafka::AclBinding>>> Read(kafka::Admin* admin,
                                                             const std::string& alias,
                                                             const char* without);
  Status Apply(const AclPlan& plan);
  void Publish(const std::string& state, const std::string& detail);

  AclSyncOptions options_;
  NameFilter groups_;
  kafka::Admin* source_;
  kafka::Admin* target_;

  mutable std::mutex mu_;
  AclSyncStatus status_;  // guarded by mu_
};

// The ACL sync a flow's config asks for, or null when sync.topic.acls and sync.group.acls
// are both off.
std::unique_ptr<AclSync> MakeAclSync(const config::FlowConfig& flow,
                                     const config::ClusterConfig& target_cluster,
                                     kafka::Admin* source, kafka::Admin* target);

}  // namespace strait::acl
