// The worked examples of docs/stretched-clusters.md ("Worked examples"), each from a saved
// cluster description in testdata/.
#include "audit/scenario.h"

#include <gtest/gtest.h>

#include "audit/test_util.h"

namespace strait::audit {
namespace {

using testing::ClassOf;
using testing::EvaluateNamed;
using testing::LoadTestCluster;

TEST(WorkedExample, TwoDcRf4MinIsr3LoseB) {
  ClusterDescription c = LoadTestCluster("two_dc_rf4_m3.json");
  ScenarioResult r = EvaluateNamed(c, "lose B");
  EXPECT_EQ(r.quorum.state, QuorumState::kSurvives);
  EXPECT_EQ(r.quorum.surviving, 2);
  // Ia = {1, 2}: 2 < 3.
  EXPECT_EQ(ClassOf(r, "t", 0), PartitionClass::kAcks1Only);
  EXPECT_EQ(ClassOf(r, "t", 1), PartitionClass::kAcks1Only);
  EXPECT_EQ(r.Find("t", 1)->leader, 1);  // the first ISR survivor in assignment order
  EXPECT_FALSE(r.data_loss_risk);        // 3 > 2 replicas in B
  EXPECT_EQ(r.verdict, Verdict::kDegraded);
}

TEST(WorkedExample, TwoDcRf4MinIsr3LoseAFreezesMetadata) {
  ClusterDescription c = LoadTestCluster("two_dc_rf4_m3.json");
  ScenarioResult r = EvaluateNamed(c, "lose A");
  EXPECT_EQ(r.quorum.state, QuorumState::kLost);
  EXPECT_EQ(r.verdict, Verdict::kControlPlaneDown);
  EXPECT_EQ(ClassOf(r, "t", 0), PartitionClass::kOffline);  // led in A
  const PartitionOutcome* b_led = r.Find("t", 1);
  EXPECT_EQ(b_led->cls, PartitionClass::kAcks1Only);
  EXPECT_TRUE(b_led->hwm_frozen);
  EXPECT_FALSE(r.data_loss_risk);
}

TEST(WorkedExample, TwoDcRf4MinIsr3CutAbBehavesLikeLosingBPlusZombies) {
  ClusterDescription c = LoadTestCluster("two_dc_rf4_m3.json");
  std::vector<Scenario> all = StandardScenarios(c);
  // Only A can hold the majority (2 of 3 voters).
  EXPECT_EQ(testing::FindScenario(all, "cut A|B (controller in B)"), nullptr);
  ScenarioResult r = EvaluateNamed(c, "cut A|B (controller in A)");
  EXPECT_EQ(r.quorum.state, QuorumState::kSurvives);
  EXPECT_EQ(ClassOf(r, "t", 0), PartitionClass::kAcks1Only);
  EXPECT_EQ(ClassOf(r, "t", 1), PartitionClass::kAcks1Only);
  EXPECT_FALSE(r.Find("t", 0)->zombie_acks1);
  EXPECT_TRUE(r.Find("t", 1)->zombie_acks1);  // its leader 3 is fenced but keeps serving B
  EXPECT_FALSE(r.notes.empty());
}

TEST(WorkedExample, TwoDcRf4MinIsr2DependsOnWhereTheIsrIs) {
  ClusterDescription c = LoadTestCluster("two_dc_rf4_m2.json");
  ScenarioResult r = EvaluateNamed(c, "lose B");
  EXPECT_EQ(ClassOf(r, "t", 0), PartitionClass::kWritable);             // its ISR has A members
  EXPECT_EQ(ClassOf(r, "t", 1), PartitionClass::kOfflineUntilUnclean);  // ISR {3,4} inside B
  EXPECT_TRUE(r.Find("t", 0)->static_risk);                             // 2 <= 2 replicas in B
  EXPECT_EQ(r.Find("t", 1)->acked_loss, AckedLoss::kIfForced);
  EXPECT_TRUE(r.data_loss_risk);
  EXPECT_EQ(r.verdict, Verdict::kPartialOutage);
}

TEST(WorkedExample, TwoAndAHalfDcLoseEitherSide) {
  ClusterDescription c = LoadTestCluster("two_and_a_half_dc.json");
  for (const char* name : {"lose A", "lose B"}) {
    ScenarioResult r = EvaluateNamed(c, name);
    EXPECT_EQ(r.quorum.state, QuorumState::kSurvives) << name;
    EXPECT_EQ(ClassOf(r, "t", 0), PartitionClass::kAcks1Only) << name;
    EXPECT_EQ(ClassOf(r, "t", 1), PartitionClass::kAcks1Only) << name;
    EXPECT_FALSE(r.data_loss_risk) << name;
  }
  ScenarioResult t_lost = EvaluateNamed(c, "lose T");
  EXPECT_EQ(t_lost.verdict, Verdict::kSurvives);
}

TEST(WorkedExample, TwoAndAHalfDcCutWithControllerInTieBreaker) {
  ClusterDescription c = LoadTestCluster("two_and_a_half_dc.json");
  ScenarioResult r = EvaluateNamed(c, "cut A|B (controller in T)");
  EXPECT_EQ(r.quorum.state, QuorumState::kSurvives);
  // Nobody is fenced; each leader keeps leading with the ISR of its own side: 2 < 3.
  EXPECT_EQ(r.Find("t", 0)->leader, 1);
  EXPECT_EQ(r.Find("t", 1)->leader, 4);
  EXPECT_EQ(ClassOf(r, "t", 0), PartitionClass::kAcks1Only);
  EXPECT_EQ(ClassOf(r, "t", 1), PartitionClass::kAcks1Only);
  EXPECT_FALSE(r.Find("t", 0)->zombie_acks1);
  EXPECT_FALSE(r.data_loss_risk);
}

TEST(WorkedExample, ThreeDcSurvivesAnyDcLoss) {
  ClusterDescription c = LoadTestCluster("three_dc.json");
  for (const char* name : {"lose dc1", "lose dc2", "lose dc3"}) {
    ScenarioResult r = EvaluateNamed(c, name);
    EXPECT_EQ(r.quorum.state, QuorumState::kSurvives) << name;
    EXPECT_EQ(ClassOf(r, "rf3", 0), PartitionClass::kWritable) << name;  // 2 >= 2
    EXPECT_EQ(ClassOf(r, "rf3", 1), PartitionClass::kWritable) << name;
    EXPECT_EQ(ClassOf(r, "rf6", 0), PartitionClass::kWritable) << name;  // 4 >= 3
    EXPECT_EQ(r.Find("rf3", 0)->acked_loss, AckedLoss::kNone) << name;
  }
}

TEST(WorkedExample, ThreeDcManualPlacementConcentratedInOneDc) {
  ClusterDescription c = LoadTestCluster("three_dc.json");
  ScenarioResult r = EvaluateNamed(c, "lose dc1");
  EXPECT_EQ(ClassOf(r, "manual", 0), PartitionClass::kAcks1Only);  // 1 < 2
  EXPECT_TRUE(r.Find("manual", 0)->static_risk);                   // dc1 holds 2 >= 2
  EXPECT_EQ(ClassOf(EvaluateNamed(c, "lose dc3"), "manual", 0), PartitionClass::kWritable);
}

TEST(WorkedExample, ThreeDcLosingTwoDcsLosesTheControlPlane) {
  ClusterDescription c = LoadTestCluster("three_dc.json");
  ScenarioResult r = Evaluate(c, LoseDcs({"dc1", "dc2"}));
  EXPECT_EQ(r.quorum.state, QuorumState::kLost);
  EXPECT_EQ(r.verdict, Verdict::kControlPlaneDown);
}

TEST(Scenarios, StandardSetHasBaselineLossesAndFeasibleCuts) {
  ClusterDescription c = LoadTestCluster("three_dc.json");
  std::vector<Scenario> all = StandardScenarios(c);
  // baseline, three losses, three pairs x three controller placements.
  EXPECT_EQ(all.size(), 1u + 3u + 9u);
  EXPECT_EQ(all[0].Name(), "baseline");
  EXPECT_EQ(all[1].Name(), "lose dc1");
  EXPECT_EQ(Evaluate(c, all[0]).verdict, Verdict::kSurvives);
}

}  // namespace
}  // namespace strait::audit
