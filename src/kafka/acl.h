// Kafka's access control lists as plain values: who (principal, host) may or may not do
// what (operation) to which resources (type, name, literal or prefixed pattern). The
// numbering follows Kafka's wire protocol, as librdkafka does. No librdkafka types here.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace strait::kafka {

enum class AclResourceType {
  kUnknown = 0,
  kAny = 1,
  kTopic = 2,
  kGroup = 3,
  kCluster = 4,
  kTransactionalId = 5
};
enum class AclPatternType { kUnknown = 0, kAny = 1, kMatch = 2, kLiteral = 3, kPrefixed = 4 };
enum class AclOperation {
  kUnknown = 0,
  kAny = 1,
  kAll = 2,
  kRead = 3,
  kWrite = 4,
  kCreate = 5,
  kDelete = 6,
  kAlter = 7,
  kDescribe = 8,
  kClusterAction = 9,
  kDescribeConfigs = 10,
  kAlterConfigs = 11,
  kIdempotentWrite = 12,
};
enum class AclPermission { kUnknown = 0, kAny = 1, kDeny = 2, kAllow = 3 };

// The one resource a cluster-wide ACL names.
inline constexpr std::string_view kClusterResourceName = "kafka-cluster";

struct AclBinding {
  AclResourceType resource_type = AclResourceType::kTopic;
  std::string resource_name;
  AclPatternType pattern = AclPatternType::kLiteral;
  std::string principal;  // "User:mirror"
  std::string host = "*";
  AclOperation operation = AclOperation::kRead;
  AclPermission permission = AclPermission::kAllow;

  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads the defaulted comparison
  auto operator<=>(const AclBinding&) const = default;
};

// Matches bindings; an absent field or kAny matches everything.
struct AclFilter {
  AclResourceType resource_type = AclResourceType::kAny;
  std::optional<std::string> resource_name;
  AclPatternType pattern = AclPatternType::kAny;
  std::optional<std::string> principal;
  std::optional<std::string> host;
  AclOperation operation = AclOperation::kAny;
  AclPermission permission = AclPermission::kAny;
};

// Kafka's own spelling, upper case: "TOPIC", "PREFIXED", "DESCRIBE_CONFIGS", "ALLOW".
std::string_view AclResourceTypeName(AclResourceType t);
std::string_view AclPatternTypeName(AclPatternType p);
std::string_view AclOperationName(AclOperation o);
std::string_view AclPermissionName(AclPermission p);
// kafka-acls' spelling of an operation: "Read", "DescribeConfigs", "IdempotentWrite".
std::string AclOperationOption(AclOperation o);

// "ALLOW User:alice READ on TOPIC orders (LITERAL) from *".
std::string DescribeAcl(const AclBinding& b);
// "topic dc1.orders", "topics starting with dc1.", "the cluster", "group billing".
std::string DescribeResource(AclResourceType type, std::string_view name,
                             AclPatternType pattern = AclPatternType::kLiteral);
// The kafka-acls command line that grants `principal` `operation` on a resource.
std::string GrantCommand(std::string_view principal, AclOperation operation, AclResourceType type,
                         std::string_view name, AclPatternType pattern = AclPatternType::kLiteral);

}  // namespace strait::kafka
