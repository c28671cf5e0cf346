#include "acl/rules.h"

#include <algorithm>
#include <set>

namespace strait::acl {
namespace {

using kafka::AclBinding;
using kafka::AclOperation;
using kafka::AclPatternType;
using kafka::AclPermission;
using kafka::AclResourceType;

// The operation a copied entry grants or denies on the target, or nullopt when the entry
// is not copied.
std::optional<AclOperation> CopiedOperation(const AclBinding& b) {
  if (b.permission == AclPermission::kDeny) return b.operation;
  if (b.permission != AclPermission::kAllow) return std::nullopt;
  switch (b.operation) {
    case AclOperation::kRead:
    case AclOperation::kDescribe:
    case AclOperation::kDescribeConfigs:
      return b.operation;
    case AclOperation::kAll:
      return AclOperation::kRead;
    default:
      return std::nullopt;
  }
}

// Whether a target entry is of a kind the sync creates (and so may remove).
bool CopiedKind(const AclBinding& b) {
  if (b.permission == AclPermission::kDeny) return true;
  return b.permission == AclPermission::kAllow &&
         (b.operation == AclOperation::kRead || b.operation == AclOperation::kDescribe ||
          b.operation == AclOperation::kDescribeConfigs);
}

// The target resource name of a source topic pattern, or nullopt when it is not copied.
std::optional<std::string> RemoteTopicResource(const AclBinding& b, const TopicMap& topics,
                                               const AclRules& rules) {
  if (b.pattern == AclPatternType::kLiteral) {
    auto it = topics.find(b.resource_name);  // "*" is never a mirrored topic's name
    if (it == topics.end()) return std::nullopt;
    return it->second;
  }
  if (b.pattern != AclPatternType::kPrefixed || !rules.remote_prefix) return std::nullopt;
  bool covers_mirrored = std::any_of(topics.begin(), topics.end(), [&](const auto& kv) {
    return kv.first.starts_with(b.resource_name);
  });
  if (!covers_mirrored) return std::nullopt;
  return *rules.remote_prefix + b.resource_name;
}

std::optional<std::string> TargetResource(const AclBinding& b, const TopicMap& topics,
                                          const NameFilter& groups, const AclRules& rules) {
  if (b.resource_type == AclResourceType::kTopic && rules.topics) {
    return RemoteTopicResource(b, topics, rules);
  }
  if (b.resource_type == AclResourceType::kGroup && rules.groups &&
      b.pattern == AclPatternType::kLiteral && b.resource_name != "*" &&
      groups.Matches(b.resource_name)) {
    return b.resource_name;
  }
  return std::nullopt;
}

// Whether strait owns the ACLs of this target resource: the remote topics of this flow
// under prefix naming (nobody else writes topics named "<source>.").
bool Managed(const AclBinding& b, const TopicMap& topics, const AclRules& rules) {
  if (!rules.remote_prefix || !rules.topics || b.resource_type != AclResourceType::kTopic) {
    return false;
  }
  const std::string& prefix = *rules.remote_prefix;
  if (b.pattern == AclPatternType::kPrefixed) {
    return b.resource_name.size() > prefix.size() && b.resource_name.starts_with(prefix);
  }
  if (b.pattern != AclPatternType::kLiteral) return false;
  return std::any_of(topics.begin(), topics.end(),
                     [&](const auto& kv) { return kv.second == b.resource_name; });
}

}  // namespace

std::vector<AclBinding> TargetAcls(const std::vector<AclBinding>& source, const TopicMap& topics,
                                   const NameFilter& groups, const AclRules& rules) {
  std::set<AclBinding> out;
  for (const AclBinding& b : source) {
    std::optional<AclOperation> op = CopiedOperation(b);
    if (!op) continue;
    std::optional<std::string> resource = TargetResource(b, topics, groups, rules);
    if (!resource) continue;
    AclBinding copy = b;
    copy.resource_name = *resource;
    copy.operation = *op;
    out.insert(std::move(copy));
  }
  return {out.begin(), out.end()};
}

AclPlan PlanAcls(const std::vector<AclBinding>& desired, const std::vector<AclBinding>& target,
                 const TopicMap& topics, const AclRules& rules) {
  std::set<AclBinding> want(desired.begin(), desired.end());
  std::set<AclBinding> have(target.begin(), target.end());
  AclPlan plan;
  for (const AclBinding& b : want) {
    if (have.count(b) == 0) plan.create.push_back(b);
  }
  for (const AclBinding& b : have) {
    bool kept = std::find(rules.keep_principals.begin(), rules.keep_principals.end(),
                          b.principal) != rules.keep_principals.end();
    if (want.count(b) == 0 && !kept && CopiedKind(b) && Managed(b, topics, rules)) {
      plan.remove.push_back(b);
    }
  }
  return plan;
}

}  // namespace strait::acl
