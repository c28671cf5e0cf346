#include "replication/flow_control.h"

#include <gtest/gtest.h>

namespace strait::replication {
namespace {

constexpr int64_t kMiB = 1 << 20;

TEST(PartitionBudget, ALoneBusyPartitionIsHeldByTheFlowBudgetNotPaused) {
  // Above the flow budget: the flow stops reading before the partition would be paused.
  EXPECT_GT(PartitionBudget(32 * kMiB, 8 * kMiB, 1), 32 * kMiB);
  EXPECT_GT(PartitionBudget(32 * kMiB, 8 * kMiB, 0), 32 * kMiB);
}

TEST(PartitionBudget, AnEvenlySlowTargetPausesNoPartition) {
  // Every busy partition holding an even share of a full flow budget stays under its own.
  for (int busy : {2, 3, 4, 12, 1000}) {
    EXPECT_GT(PartitionBudget(32 * kMiB, 8 * kMiB, busy), 32 * kMiB / busy) << busy;
  }
}

TEST(PartitionBudget, AStuckPartitionIsPausedBeforeItTakesTheWholeFlowBudget) {
  for (int busy : {2, 3, 4, 12}) {
    EXPECT_LT(PartitionBudget(32 * kMiB, 8 * kMiB, busy), 32 * kMiB) << busy;
  }
}

TEST(PartitionBudget, TheConfiguredPerPartitionBudgetIsTheFloor) {
  EXPECT_EQ(PartitionBudget(32 * kMiB, 8 * kMiB, 12), 8 * kMiB);
  EXPECT_EQ(PartitionBudget(32 * kMiB, 1024, 1000), kMinPartitionBudget);
}

}  // namespace
}  // namespace strait::replication
