#include "offsets/group_commit.h"

#include <gtest/gtest.h>

namespace strait::offsets {
namespace {

TEST(PlanCommit, OnlyMovesAGroupForward) {
  CommitPlan plan = PlanCommit({{"t", 0, 10}, {"t", 1, 50}, {"t", 2, 7}},
                               {{"t", 0, 20}, {"t", 1, 40}, {"t", 2, 7}, {"t", 3, 5}},
                               /*allow_rewind=*/false);
  ASSERT_EQ(plan.commit.size(), 2u);
  EXPECT_EQ(plan.commit[0].partition, 0);  // ahead of 10
  EXPECT_EQ(plan.commit[1].partition, 3);  // nothing committed yet
  ASSERT_EQ(plan.kept.size(), 1u);         // 40 is behind 50; 7 is where it is already
  EXPECT_EQ(plan.kept[0].partition, 1);
  EXPECT_EQ(plan.kept[0].current, 50);
  EXPECT_EQ(plan.kept[0].wanted, 40);
}

TEST(PlanCommit, RewindsOnlyWhenAllowed) {
  CommitPlan plan = PlanCommit({{"t", 1, 50}}, {{"t", 1, 40}}, /*allow_rewind=*/true);
  ASSERT_EQ(plan.commit.size(), 1u);
  EXPECT_EQ(plan.commit[0].offset, 40);
  EXPECT_TRUE(plan.kept.empty());
}

TEST(PlanCommit, IgnoresPartitionsWhoseOffsetCouldNotBeRead) {
  kafka::TopicPartitionOffset unreadable{"t", 0, 90};
  unreadable.error = Unavailable("coordinator loading");
  CommitPlan plan = PlanCommit({unreadable}, {{"t", 0, 20}}, false);
  ASSERT_EQ(plan.commit.size(), 1u);
}

}  // namespace
}  // namespace strait::offsets
