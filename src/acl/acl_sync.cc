#include "acl/acl_sync.h"

#include <fmt/format.h>

#include <chrono>

#include "base/log.h"

namespace strait::acl {
namespace {

using namespace std::chrono_literals;

constexpr std::chrono::milliseconds kTimeout = 15s;

kafka::AclFilter Exactly(const kafka::AclBinding& b) {
  return {b.resource_type, b.resource_name, b.pattern,   b.principal,
          b.host,          b.operation,     b.permission};
}

}  // namespace

AclSync::AclSync(AclSyncOptions options, kafka::Admin* source, kafka::Admin* target)
    : options_(std::move(options)),
      groups_(options_.groups, options_.groups_exclude),
      source_(source),
      target_(target) {}

void AclSync::RunOnce(const TopicMap& topics) {
  Status s = Round(topics);
  if (!s.ok()) Publish("error", s.message());
}

Status AclSync::CheckAccess(kafka::Admin* admin, const std::string& alias,
                            std::initializer_list<kafka::AclOperation> needed) {
  auto ops = admin->ClusterOperations(kTimeout);
  if (!ops.ok()) {
    return ops.status().WithContext(fmt::format("ACL sync: asking {} what strait may do", alias));
  }
  for (kafka::AclOperation op : needed) {
    if (ops->count(op) != 0 || ops->count(kafka::AclOperation::kAll) != 0) continue;
    return Status(StatusCode::kPermissionDenied,
                  "ACL sync: " +
                      kafka::ExplainDenied(admin->identity(), op, kafka::AclResourceType::kCluster,
                                           kafka::kClusterResourceName,
                                           "not among its authorized operations") +
                      " (or set sync.topic.acls and sync.group.acls to false)");
  }
  return Status::Ok();
}

Result<std::optional<std::vector<kafka::AclBinding>>> AclSync::Read(kafka::Admin* admin,
                                                                    const std::string& alias,
                                                                    const char* without) {
  auto acls = admin->DescribeAcls({}, kTimeout);
  if (!acls.ok()) {
    return acls.status().WithContext(fmt::format("ACL sync: reading the ACLs of {}", alias));
  }
  if (!acls->has_value()) {
    Publish("no-authorizer", fmt::format("{} has no authorizer: {}", alias, without));
  }
  return acls;
}

Status AclSync::Round(const TopicMap& topics) {
  // librdkafka 2.15.1 drops the error of a DescribeAcls answer (SECURITY_DISABLED,
  // CLUSTER_AUTHORIZATION_FAILED) and returns no ACLs instead: asked without DESCRIBE, the
  // source would look as if every ACL had been revoked, and the round would remove the
  // target's copies. So the round first asks each cluster whether strait may do it at all.
  STRAIT_RETURN_IF_ERROR(
      CheckAccess(source_, options_.source_alias, {kafka::AclOperation::kDescribe}));
  STRAIT_RETURN_IF_ERROR(
      CheckAccess(target_, options_.target_alias,
                  {kafka::AclOperation::kDescribe, kafka::AclOperation::kAlter}));
  STRAIT_ASSIGN_OR_RETURN(auto source,
                          Read(source_, options_.source_alias, "there are no ACLs to copy"));
  if (!source) return Status::Ok();
  STRAIT_ASSIGN_OR_RETURN(auto target,
                          Read(target_, options_.target_alias, "ACLs cannot be created there"));
  if (!target) return Status::Ok();
  std::vector<kafka::AclBinding> desired = TargetAcls(*source, topics, groups_, options_.rules);
  AclPlan plan = PlanAcls(desired, *target, topics, options_.rules);
  STRAIT_RETURN_IF_ERROR(Apply(plan));
  {
    std::lock_guard lock(mu_);
    status_.bindings = static_cast<int64_t>(desired.size());
  }
  Publish("synced", "");
  return Status::Ok();
}

Status AclSync::Apply(const AclPlan& plan) {
  if (!plan.create.empty()) {
    auto created = target_->CreateAcls(plan.create, kTimeout);
    if (!created.ok()) return created.status().WithContext("ACL sync");
    for (size_t i = 0; i < created->size(); ++i) {
      STRAIT_RETURN_IF_ERROR((*created)[i].WithContext("ACL sync"));
      log::Info("acl", "created ACL",
                {{"flow", options_.flow_name},
                 {"cluster", options_.target_alias},
                 {"acl", kafka::DescribeAcl(plan.create[i])}});
      std::lock_guard lock(mu_);
      ++status_.created_total;
    }
  }
  if (!plan.remove.empty()) {
    std::vector<kafka::AclFilter> filters;
    for (const kafka::AclBinding& b : plan.remove) filters.push_back(Exactly(b));
    auto removed = target_->DeleteAcls(filters, kTimeout);
    if (!removed.ok()) return removed.status().WithContext("ACL sync");
    for (const kafka::AclBinding& b : *removed) {
      log::Info("acl", "removed ACL: the source no longer has it",
                {{"flow", options_.flow_name},
                 {"cluster", options_.target_alias},
                 {"acl", kafka::DescribeAcl(b)}});
      std::lock_guard lock(mu_);
      ++status_.removed_total;
    }
  }
  return Status::Ok();
}

void AclSync::Publish(const std::string& state, const std::string& detail) {
  std::lock_guard lock(mu_);
  if (state != status_.state || detail != status_.detail) {
    // Logged when it changes, not every round.
    log::Level level = state == "error" ? log::Level::kWarn : log::Level::kInfo;
    log::Write(level, "acl", state == "error" ? "ACL sync failed; retrying" : "ACL sync " + state,
               {{"flow", options_.flow_name}, {"detail", detail}});
  }
  status_.state = state;
  status_.detail = detail;
}

AclSyncStatus AclSync::Snapshot() const {
  std::lock_guard lock(mu_);
  return status_;
}

std::unique_ptr<AclSync> MakeAclSync(const config::FlowConfig& flow,
                                     const config::ClusterConfig& target_cluster,
                                     kafka::Admin* source, kafka::Admin* target) {
  if (!flow.sync_topic_acls && !flow.sync_group_acls) return nullptr;
  AclSyncOptions options{flow.Name(), flow.source, flow.target,
                         {},          flow.groups, flow.groups_exclude};
  options.rules.topics = flow.sync_topic_acls;
  options.rules.groups = flow.sync_group_acls;
  if (flow.naming == config::Naming::kPrefix) {
    options.rules.remote_prefix = flow.source + flow.separator;
  }
  // strait's own grants on the target (e.g. READ on its remote topics) are the operator's.
  std::string principal = kafka::IdentityOf(target_cluster.AdminProperties()).principal;
  options.rules.keep_principals.push_back(principal.substr(0, principal.find(' ')));
  return std::make_unique<AclSync>(std::move(options), source, target);
}

}  // namespace strait::acl
