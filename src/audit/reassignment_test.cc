#include "audit/reassignment.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "audit/rules.h"
#include "audit/test_util.h"

namespace strait::audit {
namespace {

using testing::LoadTestCluster;

TEST(Reassignment, SpreadsAConcentratedPartitionKeepingItsLeader) {
  ClusterDescription c = LoadTestCluster("three_dc.json");  // "manual" is on dc1, dc1, dc2
  ReassignmentPlan plan = PlanReassignment(c);
  ASSERT_EQ(plan.moves.size(), 1u);
  const PartitionMove& m = plan.moves[0];
  EXPECT_EQ(m.topic, "manual");
  ASSERT_EQ(m.to.size(), 3u);
  EXPECT_EQ(m.to[0], 1);  // the leader stays first
  std::set<std::string> dcs;
  for (BrokerId b : m.to) dcs.insert(c.BrokerDc(b));
  EXPECT_EQ(dcs, (std::set<std::string>{"dc1", "dc2", "dc3"}));
  EXPECT_NE(std::find(m.to.begin(), m.to.end(), 3), m.to.end());  // broker 3 is kept
}

TEST(Reassignment, RaisesRfOfATopicPinnedToTwoOfThreeDcs) {
  ClusterDescription c = LoadTestCluster("three_dc.json");
  c.topics = {Topic{"pinned", false, 3, false, {{0, {1, 3, 2, 4}, {1, 3, 2, 4}, 1}}}};
  ReassignmentPlan plan = PlanReassignment(c);
  ASSERT_EQ(plan.moves.size(), 1u);
  Partition after{0, plan.moves[0].to, plan.moves[0].to, 1};
  Spread s = SpreadOf(c, after);
  EXPECT_EQ(after.replicas.size(), 5u);
  EXPECT_EQ(s.Max(), 2);
  EXPECT_EQ(s.per_dc.size(), 3u);
  EXPECT_EQ(after.replicas[0], 1);
}

TEST(Reassignment, NothingToDoForAWellPlacedCluster) {
  ClusterDescription c = LoadTestCluster("three_dc.json");
  c.topics.erase(c.topics.begin() + 2);  // drop "manual"
  EXPECT_TRUE(PlanReassignment(c).empty());
}

TEST(Reassignment, JsonIsWhatKafkaReassignPartitionsReads) {
  ReassignmentPlan plan;
  plan.moves.push_back({"t", 0, {1, 2}, {1, 3, 5}});
  nlohmann::json j = nlohmann::json::parse(ReassignmentJson(plan));
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["partitions"][0]["topic"], "t");
  EXPECT_EQ(j["partitions"][0]["replicas"], nlohmann::json({1, 3, 5}));
}

}  // namespace
}  // namespace strait::audit
