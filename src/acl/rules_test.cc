#include "acl/rules.h"

#include <gtest/gtest.h>

namespace strait::acl {
namespace {

using kafka::AclBinding;
using kafka::AclOperation;
using kafka::AclPatternType;
using kafka::AclPermission;
using kafka::AclResourceType;

AclBinding Topic(std::string name, std::string principal, AclOperation op,
                 AclPermission permission = AclPermission::kAllow,
                 AclPatternType pattern = AclPatternType::kLiteral) {
  return {
      AclResourceType::kTopic, std::move(name), pattern, std::move(principal), "*", op, permission};
}

AclBinding Group(std::string name, std::string principal, AclOperation op) {
  return {AclResourceType::kGroup,
          std::move(name),
          AclPatternType::kLiteral,
          std::move(principal),
          "*",
          op,
          AclPermission::kAllow};
}

const TopicMap kTopics = {{"orders", "dc1.orders"}, {"payments", "dc1.payments"}};
const NameFilter kAllGroups({".*"}, {});

AclRules Prefix() {
  AclRules r;
  r.remote_prefix = "dc1.";
  r.keep_principals = {"User:mirror"};
  return r;
}

TEST(TargetAcls, RenamesReadAndDescribeOfMirroredTopics) {
  std::vector<AclBinding> out =
      TargetAcls({Topic("orders", "User:alice", AclOperation::kRead),
                  Topic("payments", "User:bob", AclOperation::kDescribeConfigs),
                  Topic("unmirrored", "User:alice", AclOperation::kRead)},
                 kTopics, kAllGroups, Prefix());
  EXPECT_EQ(out, (std::vector<AclBinding>{
                     Topic("dc1.orders", "User:alice", AclOperation::kRead),
                     Topic("dc1.payments", "User:bob", AclOperation::kDescribeConfigs)}));
}

TEST(TargetAcls, AllBecomesReadAndWritesAreNotCopied) {
  std::vector<AclBinding> out =
      TargetAcls({Topic("orders", "User:carol", AclOperation::kAll),
                  Topic("orders", "User:dave", AclOperation::kWrite),
                  Topic("orders", "User:dave", AclOperation::kCreate),
                  Topic("orders", "User:dave", AclOperation::kAlterConfigs)},
                 kTopics, kAllGroups, Prefix());
  EXPECT_EQ(out, (std::vector<AclBinding>{Topic("dc1.orders", "User:carol", AclOperation::kRead)}));
}

TEST(TargetAcls, DenialsAreCopiedWhateverTheOperation) {
  std::vector<AclBinding> out =
      TargetAcls({Topic("orders", "User:eve", AclOperation::kWrite, AclPermission::kDeny)}, kTopics,
                 kAllGroups, Prefix());
  EXPECT_EQ(out, (std::vector<AclBinding>{
                     Topic("dc1.orders", "User:eve", AclOperation::kWrite, AclPermission::kDeny)}));
}

TEST(TargetAcls, PrefixedPatternsOnlyWithPrefixNaming) {
  AclBinding prefixed = Topic("ord", "User:alice", AclOperation::kRead, AclPermission::kAllow,
                              AclPatternType::kPrefixed);
  EXPECT_EQ(TargetAcls({prefixed}, kTopics, kAllGroups, Prefix()),
            (std::vector<AclBinding>{Topic("dc1.ord", "User:alice", AclOperation::kRead,
                                           AclPermission::kAllow, AclPatternType::kPrefixed)}));
  AclRules identity;
  EXPECT_TRUE(TargetAcls({prefixed}, {{"orders", "orders"}}, kAllGroups, identity).empty());
  // A prefix that covers no mirrored topic grants nothing on the target.
  AclBinding other = Topic("zz", "User:alice", AclOperation::kRead, AclPermission::kAllow,
                           AclPatternType::kPrefixed);
  EXPECT_TRUE(TargetAcls({other}, kTopics, kAllGroups, Prefix()).empty());
}

TEST(TargetAcls, WildcardsAreNotCopied) {
  EXPECT_TRUE(
      TargetAcls({Topic("*", "User:alice", AclOperation::kRead)}, kTopics, kAllGroups, Prefix())
          .empty());
}

TEST(TargetAcls, GroupsOnlyWhenAskedAndFiltered) {
  std::vector<AclBinding> source = {Group("billing", "User:alice", AclOperation::kRead),
                                    Group("connect-x", "User:alice", AclOperation::kRead)};
  EXPECT_TRUE(TargetAcls(source, kTopics, kAllGroups, Prefix()).empty());
  AclRules rules = Prefix();
  rules.groups = true;
  NameFilter groups({".*"}, {"connect-.*"});
  EXPECT_EQ(TargetAcls(source, kTopics, groups, rules),
            (std::vector<AclBinding>{Group("billing", "User:alice", AclOperation::kRead)}));
}

TEST(TargetAcls, TopicsCanBeTurnedOff) {
  AclRules rules = Prefix();
  rules.topics = false;
  EXPECT_TRUE(
      TargetAcls({Topic("orders", "User:alice", AclOperation::kRead)}, kTopics, kAllGroups, rules)
          .empty());
}

TEST(PlanAcls, CreatesWhatIsMissingAndRemovesOnlyItsOwnKind) {
  std::vector<AclBinding> desired = {Topic("dc1.orders", "User:alice", AclOperation::kRead)};
  std::vector<AclBinding> target = {
      Topic("dc1.orders", "User:gone", AclOperation::kRead),    // no longer at the source
      Topic("dc1.orders", "User:mirror", AclOperation::kRead),  // strait's own: kept
      Topic("dc1.orders", "User:ops", AclOperation::kWrite),    // not a copied kind: kept
      Topic("local", "User:gone", AclOperation::kRead),         // not a remote topic: kept
      Topic("dc1.", "User:mirror", AclOperation::kWrite, AclPermission::kAllow,
            AclPatternType::kPrefixed),  // strait's grant: kept
      Topic("dc1.ord", "User:gone", AclOperation::kRead, AclPermission::kAllow,
            AclPatternType::kPrefixed)};  // a stale prefixed copy
  AclPlan plan = PlanAcls(desired, target, kTopics, Prefix());
  EXPECT_EQ(plan.create, desired);
  EXPECT_EQ(plan.remove,
            (std::vector<AclBinding>{Topic("dc1.ord", "User:gone", AclOperation::kRead,
                                           AclPermission::kAllow, AclPatternType::kPrefixed),
                                     Topic("dc1.orders", "User:gone", AclOperation::kRead)}));
}

TEST(PlanAcls, IdentityNamingOnlyAdds) {
  AclRules identity;
  TopicMap topics = {{"orders", "orders"}};
  AclPlan plan =
      PlanAcls({}, {Topic("orders", "User:gone", AclOperation::kRead)}, topics, identity);
  EXPECT_TRUE(plan.create.empty());
  EXPECT_TRUE(plan.remove.empty());
}

TEST(PlanAcls, NothingToDoWhenInStep) {
  std::vector<AclBinding> both = {Topic("dc1.orders", "User:alice", AclOperation::kRead)};
  AclPlan plan = PlanAcls(both, both, kTopics, Prefix());
  EXPECT_TRUE(plan.create.empty());
  EXPECT_TRUE(plan.remove.empty());
}

}  // namespace
}  // namespace strait::acl
