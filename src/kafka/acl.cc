#include "kafka/acl.h"

#include <fmt/format.h>

#include <array>
#include <cctype>

namespace strait::kafka {
namespace {

template <typename E, size_t N>
std::string_view NameOf(E value, const std::array<std::string_view, N>& names) {
  auto i = static_cast<size_t>(value);
  return i < N ? names[i] : "UNKNOWN";
}

}  // namespace

std::string_view AclResourceTypeName(AclResourceType t) {
  static constexpr std::array<std::string_view, 6> kNames = {
      "UNKNOWN", "ANY", "TOPIC", "GROUP", "CLUSTER", "TRANSACTIONAL_ID"};
  return NameOf(t, kNames);
}

std::string_view AclPatternTypeName(AclPatternType p) {
  static constexpr std::array<std::string_view, 5> kNames = {"UNKNOWN", "ANY", "MATCH", "LITERAL",
                                                             "PREFIXED"};
  return NameOf(p, kNames);
}

std::string_view AclOperationName(AclOperation o) {
  static constexpr std::array<std::string_view, 13> kNames = {"UNKNOWN",
                                                              "ANY",
                                                              "ALL",
                                                              "READ",
                                                              "WRITE",
                                                              "CREATE",
                                                              "DELETE",
                                                              "ALTER",
                                                              "DESCRIBE",
                                                              "CLUSTER_ACTION",
                                                              "DESCRIBE_CONFIGS",
                                                              "ALTER_CONFIGS",
                                                              "IDEMPOTENT_WRITE"};
  return NameOf(o, kNames);
}

std::string_view AclPermissionName(AclPermission p) {
  static constexpr std::array<std::string_view, 4> kNames = {"UNKNOWN", "ANY", "DENY", "ALLOW"};
  return NameOf(p, kNames);
}

std::string AclOperationOption(AclOperation o) {
  std::string out;
  bool upper = true;
  for (char c : AclOperationName(o)) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? c : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    upper = false;
  }
  return out;
}

std::string DescribeAcl(const AclBinding& b) {
  return fmt::format("{} {} {} on {} {} ({}) from {}", AclPermissionName(b.permission), b.principal,
                     AclOperationName(b.operation), AclResourceTypeName(b.resource_type),
                     b.resource_name, AclPatternTypeName(b.pattern), b.host);
}

std::string DescribeResource(AclResourceType type, std::string_view name, AclPatternType pattern) {
  if (type == AclResourceType::kCluster) return "the cluster";
  std::string kind = type == AclResourceType::kTopic             ? "topic"
                     : type == AclResourceType::kGroup           ? "group"
                     : type == AclResourceType::kTransactionalId ? "transactional id"
                                                                 : "resource";
  if (pattern == AclPatternType::kPrefixed) return fmt::format("{}s starting with {}", kind, name);
  return fmt::format("{} {}", kind, name);
}

std::string GrantCommand(std::string_view principal, AclOperation operation, AclResourceType type,
                         std::string_view name, AclPatternType pattern) {
  std::string resource;
  switch (type) {
    case AclResourceType::kCluster:
      resource = "--cluster";
      break;
    case AclResourceType::kGroup:
      resource = fmt::format("--group '{}'", name);
      break;
    case AclResourceType::kTransactionalId:
      resource = fmt::format("--transactional-id '{}'", name);
      break;
    default:
      resource = fmt::format("--topic '{}'", name);
      break;
  }
  if (pattern == AclPatternType::kPrefixed) resource += " --resource-pattern-type prefixed";
  return fmt::format(
      "kafka-acls --bootstrap-server <broker> --add --allow-principal '{}' "
      "--operation {} {}",
      principal, AclOperationOption(operation), resource);
}

}  // namespace strait::kafka
