#include "replication/partition_state.h"

#include <gtest/gtest.h>

namespace strait::replication {
namespace {

TEST(PartitionState, LagIsZeroWhenCaughtUp) {
  PartitionState p("orders", PartitionId(0), "dc1.orders");
  p.ObserveCachedHigh(SourceOffset(100));
  p.acked_next = SourceOffset(100);
  p.last_acked_timestamp = 1000;
  EXPECT_EQ(p.LagRecords(), 0);
  EXPECT_EQ(p.LagSeconds(50000), 0);
}

// The source's log was truncated from 150 to 120: the old end must not stay as a lag of
// 30 records that never goes away (the watermarks otherwise only grow).
TEST(PartitionState, ATruncatedSourceForgetsItsOldEnd) {
  PartitionState p("orders", PartitionId(0), "dc1.orders");
  p.ObserveCachedHigh(SourceOffset(150));
  p.ObserveQueriedHigh(SourceOffset(150), 1000);
  p.SetTruncation({SourceOffset(150), SourceOffset(100), SourceOffset(100), "leader_epoch"});
  p.acked_next = SourceOffset(120);
  p.ObserveQueriedHigh(SourceOffset(120), 2000);
  EXPECT_EQ(p.LagRecords(), 0);
  ASSERT_TRUE(p.truncation());
  EXPECT_EQ(p.truncation()->diverges_at, SourceOffset(100));
}

TEST(PartitionState, LagSecondsAgeOfTheOldestRecordInFlight) {
  PartitionState p("orders", PartitionId(0), "dc1.orders");
  p.ObserveCachedHigh(SourceOffset(110));
  p.acked_next = SourceOffset(100);
  p.last_acked_timestamp = 1000;
  p.oldest_inflight_timestamp = 4000;
  EXPECT_EQ(p.LagRecords(), 10);
  EXPECT_DOUBLE_EQ(p.LagSeconds(10000), 6.0);
  p.oldest_inflight_timestamp = 0;  // nothing in flight (link down): age since the last ack
  EXPECT_DOUBLE_EQ(p.LagSeconds(10000), 9.0);
}

TEST(PartitionState, EverythingIsLagBeforeTheFirstRecord) {
  PartitionState p("orders", PartitionId(0), "dc1.orders");
  p.source_low = SourceOffset(10);
  p.ObserveCachedHigh(SourceOffset(110));
  EXPECT_EQ(p.LagRecords(), 100);
}

TEST(PartitionState, LagGrowsWhileTheSourceIsUnreachable) {
  PartitionState p("orders", PartitionId(0), "dc1.orders");
  p.acked_next = SourceOffset(100);
  p.ObserveQueriedHigh(SourceOffset(100), 1000);
  EXPECT_EQ(p.LagSeconds(3000), 0);       // caught up and heard from the source recently
  EXPECT_EQ(p.LagSeconds(61000), 60);     // nothing heard for a minute
  p.ObserveCachedHigh(SourceOffset(90));  // a stale cached value never lowers it
  EXPECT_EQ(p.SourceHigh(), SourceOffset(100));
}

// The source stops answering for a partition's end offset: its lag is unknown, not the
// last value read (nor 0 before any was read), and after a while the partition is stalled.
TEST(PartitionState, LagThatCannotBeReadIsUnknownThenStalled) {
  PartitionState p("orders", PartitionId(0), "dc1.orders");
  p.set_stage(PartitionStage::kRunning);
  p.ObserveProgress(1000);
  EXPECT_EQ(p.KnownLagRecords(1000), std::nullopt);  // nothing read yet
  p.acked_next = SourceOffset(100);
  p.ObserveQueriedHigh(SourceOffset(150), 2000);
  EXPECT_EQ(p.KnownLagRecords(3000), 50);
  EXPECT_EQ(p.KnownLagRecords(2000 + PartitionState::kLagUnknownAfterMs + 1), std::nullopt);
  std::string kind;
  EXPECT_EQ(p.Stalled(20000, &kind), "");
  EXPECT_NE(p.Stalled(2000 + PartitionState::kStalledAfterMs + 1000, &kind), "");
  EXPECT_EQ(kind, "lag_unknown");
  EXPECT_EQ(PartitionStateName(p.stage(), false, true), "stalled");
}

// The source answers and is ahead, but nothing is acknowledged: stalled, with the reason.
TEST(PartitionState, NoProgressWhileTheSourceIsAheadIsStalled) {
  PartitionState p("orders", PartitionId(0), "dc1.orders");
  p.set_stage(PartitionStage::kRunning);
  p.acked_next = SourceOffset(100);
  p.ObserveProgress(1000);
  for (int64_t t = 1000; t <= 40000; t += 2000) {
    p.ObserveQueriedHigh(SourceOffset(130), t);
    p.ObserveProgress(t);
  }
  std::string kind;
  const std::string reason = p.Stalled(41000, &kind);
  EXPECT_EQ(kind, "no_progress");
  EXPECT_NE(reason.find("30 records ahead"), std::string::npos) << reason;
  p.acked_next = SourceOffset(101);  // one record acknowledged: moving again
  p.ObserveProgress(42000);
  EXPECT_EQ(p.Stalled(43000), "");
  // Caught up and idle is not stalled, however long.
  p.acked_next = SourceOffset(130);
  p.ObserveProgress(44000);
  for (int64_t t = 44000; t <= 100000; t += 2000) p.ObserveQueriedHigh(SourceOffset(130), t);
  EXPECT_EQ(p.Stalled(100000), "");
}

TEST(PartitionState, ShowsTheStageInStatusWords) {
  PartitionState p("orders", PartitionId(0), "dc1.orders");
  EXPECT_EQ(p.StateName(), "resuming");
  p.set_stage(PartitionStage::kRunning);
  EXPECT_EQ(p.StateName(), "mirroring");
  p.set_throttled(true);
  EXPECT_EQ(p.StateName(), "throttled");
  p.set_stage(PartitionStage::kStopping);
  EXPECT_EQ(p.StateName(), "stopped");
  p.set_stage(PartitionStage::kStopped);
  EXPECT_EQ(p.StateName(), "stopped");
}

}  // namespace
}  // namespace strait::replication
