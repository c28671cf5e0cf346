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
