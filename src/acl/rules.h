// Which ACLs a flow copies to its target, under which names, and which target ACLs it may
// remove again. Pure functions of the source's ACLs and what the flow mirrors; thread-safe.
//
// Copied (docs/security.md, "ACL sync"):
//  - topic ACLs whose resource is a mirrored topic (LITERAL), renamed to its remote topic;
//    with prefix naming also PREFIXED ones ("orders" becomes "dc1.orders", which covers
//    exactly the remote topics of the source topics it covered);
//  - with group sync, LITERAL ACLs of the translated groups, under the same name;
//  - of each: ALLOW READ, DESCRIBE and DESCRIBE_CONFIGS as they are, ALLOW ALL as READ, and
//    every DENY. Other ALLOWs (WRITE, CREATE, DELETE, ALTER, ALTER_CONFIGS) are not copied:
//    a remote topic is written and managed by strait alone.
// Removed: with prefix naming, a target ACL of a copied kind, on a remote topic of this flow,
// that the source no longer implies — unless it is strait's own principal's.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/name_filter.h"
#include "kafka/acl.h"

namespace strait::acl {

struct AclRules {
  bool topics = true;   // sync.topic.acls
  bool groups = false;  // sync.group.acls
  // "<source><separator>" with prefix naming; nullopt with identity naming, where the target's
  // own ACLs share the names and strait only ever adds.
  std::optional<std::string> remote_prefix;
  // Principals whose target ACLs are never removed (strait's own there).
  std::vector<std::string> keep_principals;
};

// Source topic -> remote topic, for every topic the flow mirrors now.
using TopicMap = std::map<std::string, std::string>;

// The ACLs the target should have, sorted and without duplicates. `groups` says which group
// names are translated (the flow's group filter).
std::vector<kafka::AclBinding> TargetAcls(const std::vector<kafka::AclBinding>& source,
                                          const TopicMap& topics, const NameFilter& groups,
                                          const AclRules& rules);

struct AclPlan {
  std::vector<kafka::AclBinding> create;
  std::vector<kafka::AclBinding> remove;
};

// What to create and remove so that `target` holds `desired` (TargetAcls), removing only what
// the rules let strait manage.
AclPlan PlanAcls(const std::vector<kafka::AclBinding>& desired,
                 const std::vector<kafka::AclBinding>& target, const TopicMap& topics,
                 const AclRules& rules);

}  // namespace strait::acl
