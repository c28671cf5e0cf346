#include "kafka/acl.h"

#include <gtest/gtest.h>

namespace strait::kafka {
namespace {

TEST(Acl, NamesFollowKafka) {
  EXPECT_EQ(AclOperationName(AclOperation::kDescribeConfigs), "DESCRIBE_CONFIGS");
  EXPECT_EQ(AclResourceTypeName(AclResourceType::kCluster), "CLUSTER");
  EXPECT_EQ(AclPatternTypeName(AclPatternType::kPrefixed), "PREFIXED");
  EXPECT_EQ(AclPermissionName(AclPermission::kDeny), "DENY");
}

TEST(Acl, OperationOptionIsKafkaAclsSpelling) {
  EXPECT_EQ(AclOperationOption(AclOperation::kRead), "Read");
  EXPECT_EQ(AclOperationOption(AclOperation::kIdempotentWrite), "IdempotentWrite");
  EXPECT_EQ(AclOperationOption(AclOperation::kAlterConfigs), "AlterConfigs");
}

TEST(Acl, GrantCommandNamesEveryPart) {
  EXPECT_EQ(GrantCommand("User:mirror", AclOperation::kWrite, AclResourceType::kTopic, "dc1.",
                         AclPatternType::kPrefixed),
            "kafka-acls --bootstrap-server <broker> --add --allow-principal 'User:mirror' "
            "--operation Write --topic 'dc1.' --resource-pattern-type prefixed");
  EXPECT_EQ(GrantCommand("User:m", AclOperation::kDescribe, AclResourceType::kCluster,
                         kClusterResourceName),
            "kafka-acls --bootstrap-server <broker> --add --allow-principal 'User:m' "
            "--operation Describe --cluster");
}

TEST(Acl, DescribesBindingsAndResources) {
  AclBinding b{AclResourceType::kTopic,
               "orders",
               AclPatternType::kLiteral,
               "User:alice",
               "*",
               AclOperation::kRead,
               AclPermission::kAllow};
  EXPECT_EQ(DescribeAcl(b), "ALLOW User:alice READ on TOPIC orders (LITERAL) from *");
  EXPECT_EQ(DescribeResource(AclResourceType::kGroup, "billing"), "group billing");
  EXPECT_EQ(DescribeResource(AclResourceType::kTopic, "dc1.", AclPatternType::kPrefixed),
            "topics starting with dc1.");
  EXPECT_EQ(DescribeResource(AclResourceType::kCluster, kClusterResourceName), "the cluster");
}

}  // namespace
}  // namespace strait::kafka
