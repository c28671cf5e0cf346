#include "audit/findings.h"

#include <gtest/gtest.h>

#include "audit/rules.h"
#include "audit/test_util.h"

namespace strait::audit {
namespace {

using testing::LoadTestCluster;

const Finding* FindCode(const std::vector<Finding>& all, const std::string& code,
                        const std::string& subject = "") {
  for (const Finding& f : all) {
    if (f.code == code && (subject.empty() || f.subject == subject)) return &f;
  }
  return nullptr;
}

ClusterDescription TwoDcsWithTopic(std::vector<BrokerId> replicas, int32_t min_isr) {
  ClusterDescription c;
  c.brokers = {{1, "A"}, {2, "A"}, {3, "A"}, {4, "B"}, {5, "B"}, {6, "B"}};
  c.controllers = {{7, "A"}, {8, "B"}, {9, "T"}};
  Topic t;
  t.name = "t";
  t.min_isr = min_isr;
  t.partitions.push_back({0, replicas, replicas, replicas.front()});
  c.topics.push_back(t);
  return c;
}

TEST(Rules, OddRfOverTwoDcsNeedsRMaxPlusOne) {
  // The blog's consistency-first rule "min ISR > round(RF/DCs)": RF 5 over two DCs is placed
  // 3 + 2, and min ISR 3 would let the 3-replica DC hold the whole ISR. The rule is r_max + 1.
  ClusterDescription c = TwoDcsWithTopic({1, 4, 2, 5, 3}, 3);
  TopicAdvice a = AdviseTopic(c, c.topics[0]);
  EXPECT_EQ(a.r_max, 3);
  EXPECT_EQ(a.recommended_min_isr, 4);
  EXPECT_EQ(a.availability_min_isr, 2);
  EXPECT_EQ(a.mode, TopicMode::kAtRisk);
  std::vector<Finding> all = TopicFindings(c, c.topics[0]);
  const Finding* f = FindCode(all, "dc-holds-min-isr");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kHigh);
  EXPECT_NE(f->fix.find("min.insync.replicas=4"), std::string::npos) << f->fix;
}

TEST(Rules, ThreeDcsNeedRfAtLeastTwiceRMaxPlusOne) {
  EXPECT_EQ(SurvivingRf(3, {2, 2, 2}), 3);  // 1/1/1
  EXPECT_EQ(SurvivingRf(4, {2, 2, 2}), 5);  // 2/1/1 fails; 2/2/1 works with min ISR 3
  EXPECT_EQ(SurvivingRf(6, {2, 2, 2}),
            6);                          // 2/2/2, min ISR 3: n + 1 <= brokers per DC is not needed
  EXPECT_EQ(SurvivingRf(2, {1, 1}), 0);  // two DCs never satisfy both rules
}

TEST(TopicFindings, TopicPinnedToTwoOfThreeDcsBlocksWritesOnLoss) {
  ClusterDescription c = LoadTestCluster("three_dc.json");
  Topic t;
  t.name = "pinned";
  t.min_isr = 3;
  t.partitions.push_back({0, {1, 3, 2, 4}, {1, 3, 2, 4}, 1});
  std::vector<Finding> f = TopicFindings(c, t);
  const Finding* blocks = FindCode(f, "dc-loss-blocks-writes");
  ASSERT_NE(blocks, nullptr);
  EXPECT_NE(blocks->fix.find("RF 5"), std::string::npos) << blocks->fix;
}

TEST(TopicFindings, ManualConcentrationIsFlagged) {
  ClusterDescription c = LoadTestCluster("three_dc.json");
  std::vector<Finding> f = Findings(c);
  EXPECT_NE(FindCode(f, "dc-holds-min-isr", "topic manual"), nullptr);
  EXPECT_EQ(FindCode(f, "dc-holds-min-isr", "topic rf3"), nullptr);
  EXPECT_EQ(FindCode(f, "dc-loss-blocks-writes", "topic rf6"), nullptr);
}

TEST(TopicFindings, MinIsrAboveRfAndMinIsrOne) {
  ClusterDescription c = TwoDcsWithTopic({1, 4}, 3);
  std::vector<Finding> above = TopicFindings(c, c.topics[0]);
  EXPECT_NE(FindCode(above, "min-isr-above-rf"), nullptr);
  c.topics[0].min_isr = 1;
  std::vector<Finding> one = TopicFindings(c, c.topics[0]);
  EXPECT_NE(FindCode(one, "min-isr-1"), nullptr);
}

TEST(StateFindings, IsrInsideOneDcAndUnderMinIsr) {
  ClusterDescription c = TwoDcsWithTopic({1, 4, 2, 5}, 3);
  c.topics[0].partitions[0].isr = {1, 2};
  std::vector<Finding> f = StateFindings(c, c.topics[0]);
  EXPECT_NE(FindCode(f, "isr-in-one-dc"), nullptr);
  EXPECT_NE(FindCode(f, "under-min-isr-now"), nullptr);
}

TEST(QuorumFindings, UnknownControllerDcIsABlocker) {
  ClusterDescription c = TwoDcsWithTopic({1, 4}, 2);
  c.controllers[2].dc.clear();
  std::vector<Finding> all = QuorumFindings(c);
  const Finding* f = FindCode(all, "controller-dc-unknown");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kBlocker);
  EXPECT_EQ(f->subject, "controller 9");
}

TEST(QuorumFindings, VoterMajorityInOneDcAndSingleVoter) {
  ClusterDescription c = LoadTestCluster("two_dc_rf4_m3.json");  // voters A2/B1
  std::vector<Finding> two = QuorumFindings(c);
  EXPECT_NE(FindCode(two, "dc-holds-voter-majority", "DC A"), nullptr);
  c.controllers.resize(1);
  std::vector<Finding> one = QuorumFindings(c);
  EXPECT_NE(FindCode(one, "single-voter"), nullptr);
}

TEST(Findings, SortedMostSevereFirst) {
  ClusterDescription c = TwoDcsWithTopic({1, 4}, 1);
  c.controllers[0].dc.clear();
  std::vector<Finding> f = Findings(c);
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f.front().severity, Severity::kBlocker);
  for (size_t i = 1; i < f.size(); ++i) EXPECT_GE(f[i - 1].severity, f[i].severity);
}

}  // namespace
}  // namespace strait::audit
