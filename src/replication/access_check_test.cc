#include "replication/access_check.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace strait::replication {
namespace {

using kafka::AclOperation;
using kafka::AclResourceType;

bool Has(const std::vector<AccessNeed>& needs, Side side, AclOperation op, const std::string& name,
         const std::string& feature) {
  return std::any_of(needs.begin(), needs.end(), [&](const AccessNeed& n) {
    return n.side == side && n.operation == op && n.name == name && n.feature == feature;
  });
}

config::FlowConfig Flow() {
  config::FlowConfig f;
  f.source = "dc1";
  f.target = "dc2";
  return f;
}

TEST(FlowNeeds, MirroringReadsTheSourceAndWritesTheTarget) {
  FlowTopics topics{{"orders"}, {"dc1.orders"}, {}, true, true, true};
  std::vector<AccessNeed> needs = FlowNeeds(Flow(), topics);
  EXPECT_TRUE(Has(needs, Side::kSource, AclOperation::kRead, "orders", "mirroring"));
  EXPECT_TRUE(Has(needs, Side::kSource, AclOperation::kDescribeConfigs, "orders", "mirroring"));
  EXPECT_TRUE(Has(needs, Side::kTarget, AclOperation::kWrite, "dc1.orders", "mirroring"));
  EXPECT_TRUE(Has(needs, Side::kTarget, AclOperation::kRead, "dc1.orders", "mirroring"));
  EXPECT_TRUE(Has(needs, Side::kTarget, AclOperation::kAlterConfigs, "dc1.orders", "config sync"));
  EXPECT_TRUE(Has(needs, Side::kTarget, AclOperation::kWrite, "heartbeats", "heartbeats"));
  EXPECT_TRUE(Has(needs, Side::kSource, AclOperation::kWrite, "heartbeats", "heartbeats"));
  EXPECT_TRUE(
      Has(needs, Side::kTarget, AclOperation::kWrite, "dc1.checkpoints.internal", "checkpoints"));
  EXPECT_TRUE(Has(needs, Side::kSource, AclOperation::kDescribe, "kafka-cluster", "ACL sync"));
  EXPECT_TRUE(Has(needs, Side::kTarget, AclOperation::kAlter, "kafka-cluster", "ACL sync"));
}

TEST(GroupNeeds, TheFlowsGroupAndItsTransactionalIdsOnTheTarget) {
  config::GroupConfig group;
  group.enabled = true;
  group.prefix = "mirror.";
  std::vector<AccessNeed> needs = GroupNeeds(group, Flow());
  const std::string feature = "several instances (group mode)";
  EXPECT_TRUE(Has(needs, Side::kTarget, AclOperation::kRead, "mirror.dc1.dc2", feature));
  EXPECT_TRUE(Has(needs, Side::kTarget, AclOperation::kDescribe, "mirror.dc1.dc2", feature));
  // Every instance's transactional id starts with the group's name and a dot.
  auto txn = std::find_if(needs.begin(), needs.end(), [](const AccessNeed& n) {
    return n.type == AclResourceType::kTransactionalId;
  });
  ASSERT_NE(txn, needs.end());
  EXPECT_EQ(txn->name, "mirror.dc1.dc2.");
  EXPECT_TRUE(txn->prefixed);
  EXPECT_EQ(txn->operation, AclOperation::kWrite);  // Kafka implies Describe from Write
}

TEST(FlowNeeds, MissingTopicsNeedCreate) {
  FlowTopics topics{{"orders"}, {}, {"dc1.orders"}, false, false, false};
  std::vector<AccessNeed> needs = FlowNeeds(Flow(), topics);
  EXPECT_TRUE(Has(needs, Side::kTarget, AclOperation::kCreate, "dc1.orders", "topic creation"));
  EXPECT_TRUE(Has(needs, Side::kSource, AclOperation::kCreate, "heartbeats", "heartbeats"));
  EXPECT_FALSE(Has(needs, Side::kTarget, AclOperation::kWrite, "dc1.orders", "mirroring"));
}

TEST(FlowNeeds, FeaturesTurnedOffNeedNothing) {
  config::FlowConfig f = Flow();
  f.emit_heartbeats = f.emit_checkpoints = f.sync_group_offsets = false;
  f.sync_topic_acls = f.sync_topic_configs = false;
  std::vector<AccessNeed> needs = FlowNeeds(f, {{"orders"}, {"dc1.orders"}, {}, true, true, true});
  EXPECT_FALSE(Has(needs, Side::kTarget, AclOperation::kWrite, "heartbeats", "heartbeats"));
  EXPECT_FALSE(Has(needs, Side::kTarget, AclOperation::kAlterConfigs, "dc1.orders", "config sync"));
  EXPECT_FALSE(std::any_of(needs.begin(), needs.end(), [](const AccessNeed& n) {
    return n.type == AclResourceType::kCluster;
  }));
}

}  // namespace
}  // namespace strait::replication
