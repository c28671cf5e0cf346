// The decision procedure beyond the worked examples: ELR, unclean elections, brokers already
// down, unknown DCs, consumer groups. Clusters are built by hand around one partition.
#include <gtest/gtest.h>

#include "audit/scenario.h"

namespace strait::audit {
namespace {

// Two DCs, A = {1, 2} and B = {3, 4}; voters 5 in A, 6 in B, 7 in a tie-breaker site T.
ClusterDescription TwoDcs(Topic topic, ElrState elr = ElrState::kEnabled) {
  ClusterDescription c;
  c.source = "test";
  c.brokers = {{1, "A"}, {2, "A"}, {3, "B"}, {4, "B"}};
  c.controllers = {{5, "A", Origin::kOperatorFile},
                   {6, "B", Origin::kOperatorFile},
                   {7, "T", Origin::kOperatorFile}};
  c.elr = elr;
  c.topics.push_back(std::move(topic));
  return c;
}

Topic OnePartition(int32_t min_isr, std::vector<BrokerId> isr, bool unclean = false,
                   std::optional<std::vector<BrokerId>> elr = std::nullopt) {
  Topic t;
  t.name = "t";
  t.min_isr = min_isr;
  t.unclean_leader_election = unclean;
  Partition p;
  p.replicas = {3, 1, 4, 2};
  p.isr = std::move(isr);
  p.leader = p.isr.empty() ? kNoLeader : p.isr.front();
  p.elr = std::move(elr);
  t.partitions.push_back(std::move(p));
  return t;
}

const PartitionOutcome& Only(const ScenarioResult& r) { return r.partitions.at(0); }

TEST(Classify, ElrMemberIsElectedCleanlyWhenTheIsrIsLost) {
  // Seen on Kafka 4.1.1: the ISR shrank to B while A was frozen; broker 1 went to the ELR.
  ClusterDescription c = TwoDcs(OnePartition(3, {3, 4}, false, std::vector<BrokerId>{1}));
  ScenarioResult r = Evaluate(c, LoseDcs({"B"}));
  EXPECT_EQ(Only(r).cls, PartitionClass::kAcks1Only);  // {1, 2} once 2 catches up: 2 < 3
  EXPECT_EQ(Only(r).leader, 1);
  EXPECT_EQ(Only(r).acked_loss, AckedLoss::kNone);
}

TEST(Classify, UnknownElrIsReportedAsAnAlternative) {
  ClusterDescription c = TwoDcs(OnePartition(3, {3, 4}));
  ScenarioResult r = Evaluate(c, LoseDcs({"B"}));
  EXPECT_EQ(Only(r).cls, PartitionClass::kOfflineUntilUnclean);
  ASSERT_TRUE(Only(r).if_elr.has_value());
  EXPECT_EQ(*Only(r).if_elr, PartitionClass::kAcks1Only);
}

TEST(Classify, NoElrAlternativeWhenTheIsrIsAtMinIsr) {
  // The ELR fills only while the ISR is below min ISR: here it is empty, whatever the file says.
  ClusterDescription c = TwoDcs(OnePartition(2, {3, 4}));
  ScenarioResult r = Evaluate(c, LoseDcs({"B"}));
  EXPECT_EQ(Only(r).cls, PartitionClass::kOfflineUntilUnclean);
  EXPECT_FALSE(Only(r).if_elr.has_value());
}

TEST(Classify, NoElrStepWhenElrIsDisabled) {
  ClusterDescription c =
      TwoDcs(OnePartition(3, {3, 4}, false, std::vector<BrokerId>{1}), ElrState::kDisabled);
  EXPECT_EQ(Only(Evaluate(c, LoseDcs({"B"}))).cls, PartitionClass::kOfflineUntilUnclean);
}

TEST(Classify, UncleanElectionLosesDataThenSettles) {
  // Seen on Kafka 4.1.1: the availability-first topic came back with leader 1 and lost the
  // records acknowledged while only B was in the ISR.
  ClusterDescription c = TwoDcs(OnePartition(2, {3, 4}, true));
  ScenarioResult r = Evaluate(c, LoseDcs({"B"}));
  const PartitionOutcome& o = Only(r);  // a reference into r, which must outlive it
  EXPECT_EQ(o.cls, PartitionClass::kUncleanElection);
  EXPECT_EQ(o.settled, PartitionClass::kWritable);  // {1, 2}: 2 >= 2
  EXPECT_EQ(o.leader, 1);
  EXPECT_EQ(o.acked_loss, AckedLoss::kCertain);
}

TEST(Classify, StaticRiskWithUncleanElectionIsPossibleLoss) {
  ClusterDescription c = TwoDcs(OnePartition(2, {3, 1, 4, 2}, true));
  ScenarioResult r = Evaluate(c, LoseDcs({"B"}));
  const PartitionOutcome& o = Only(r);  // a reference into r, which must outlive it
  EXPECT_EQ(o.cls, PartitionClass::kWritable);
  EXPECT_TRUE(o.static_risk);
  EXPECT_EQ(o.acked_loss, AckedLoss::kPossible);
  EXPECT_TRUE(o.acks1_window);  // the leader 3 was in B
}

TEST(Classify, EffectiveMinIsrIsCappedAtRf) {
  Topic t = OnePartition(5, {3, 1, 4, 2});  // min.insync.replicas 5 > RF 4
  ClusterDescription c = TwoDcs(t);
  EXPECT_EQ(EffectiveMinIsr(c.topics[0], c.topics[0].partitions[0]), 4);
  EXPECT_EQ(Only(Evaluate(c, Scenario{})).cls, PartitionClass::kWritable);
}

TEST(Classify, BrokersAlreadyDownCountInEveryScenario) {
  ClusterDescription c = TwoDcs(OnePartition(2, {3, 1, 4, 2}));
  c.brokers[0].registered = false;  // broker 1 is down now
  ScenarioResult baseline = Evaluate(c, Scenario{});
  EXPECT_EQ(Only(baseline).cls, PartitionClass::kWritable);                      // {3, 4, 2}
  EXPECT_EQ(Only(Evaluate(c, LoseDcs({"B"}))).cls, PartitionClass::kAcks1Only);  // {2}
}

TEST(Classify, CurrentlyLeaderlessPartitionIsOfflineInTheBaseline) {
  // With ELR on, Kafka 4.1.1 empties the ISR (Leader: none, Isr: empty) when the last member
  // is fenced.
  Topic t = OnePartition(2, {});
  t.partitions[0].replicas = {3, 4};
  ClusterDescription c = TwoDcs(t);
  c.brokers[2].registered = c.brokers[3].registered = false;
  EXPECT_EQ(Only(Evaluate(c, Scenario{})).cls, PartitionClass::kOffline);
}

TEST(Quorum, UnknownControllerDcMakesTheOutcomeUnknown) {
  ClusterDescription c = TwoDcs(OnePartition(2, {3, 1, 4, 2}));
  c.controllers[2].dc.clear();                     // the tie-breaker's DC is unknown
  ScenarioResult r = Evaluate(c, LoseDcs({"A"}));  // 1 surviving + 1 unknown of 3
  EXPECT_EQ(r.quorum.state, QuorumState::kUnknown);
  EXPECT_EQ(r.verdict, Verdict::kControlPlaneUnknown);
  EXPECT_EQ(Evaluate(c, Scenario{}).quorum.state, QuorumState::kSurvives);
}

TEST(Groups, TakeTheClassOfTheirCoordinatorPartition) {
  Topic offsets;
  offsets.name = std::string(kConsumerOffsetsTopic);
  offsets.internal = true;
  offsets.min_isr = 2;
  offsets.partitions = {{0, {1, 2, 3}, {1, 2, 3}, 1}, {1, {3, 4, 1}, {3, 4, 1}, 3}};
  ClusterDescription c = TwoDcs(offsets);
  c.groups = {{"in-a", 0, -1}, {"in-b", 1, -1}};
  ScenarioResult r = Evaluate(c, LoseDcs({"B"}));
  ASSERT_EQ(r.groups.size(), 2u);
  EXPECT_TRUE(r.groups[0].can_commit);   // {1, 2}: 2 >= 2
  EXPECT_FALSE(r.groups[1].can_commit);  // {1}: 1 < 2
  EXPECT_EQ(r.groups[1].cls, PartitionClass::kAcks1Only);
}

}  // namespace
}  // namespace strait::audit
