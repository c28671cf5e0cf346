#include "replication/partition_table.h"

#include <gtest/gtest.h>

namespace strait::replication {
namespace {

using namespace std::chrono_literals;
using Clock = PartitionTable::Clock;

DataEvent Event(DataEvent::Kind kind, int32_t partition, std::string error = "") {
  return {kind, {"orders", partition}, std::nullopt, std::move(error)};
}

TEST(PartitionTable, NewPartitionsAreDueAtOnce) {
  PartitionTable t(1s, 300s);
  t.Add("orders", 1, "dc1.orders", false);
  t.Add("orders", 0, "dc1.orders", false);
  EXPECT_EQ(t.Due("orders", Clock::now()), (std::vector<int32_t>{0, 1}));
  t.Started("orders", 0);
  EXPECT_EQ(t.Find("orders", 0)->state->stage(), PartitionStage::kRunning);
  EXPECT_EQ(t.Due("orders", Clock::now()), (std::vector<int32_t>{1}));
}

TEST(PartitionTable, AnErrorStopsAPartitionAndBacksOffDoubling) {
  PartitionTable t(1s, 3s);
  t.Add("orders", 0, "dc1.orders", false);
  t.Started("orders", 0);
  const auto now = Clock::now();
  t.Apply(Event(DataEvent::Kind::kStopping, 0, "record too large"), now);
  PartitionState& s = *t.Find("orders", 0)->state;
  EXPECT_EQ(s.stage(), PartitionStage::kStopping);
  EXPECT_EQ(s.StateName(), "stopped");
  EXPECT_EQ(s.error(), "record too large");
  EXPECT_TRUE(t.Due("orders", now).empty());  // still draining

  t.Apply(Event(DataEvent::Kind::kStopped, 0, "record too large"), now);
  EXPECT_EQ(s.stage(), PartitionStage::kStopped);
  EXPECT_TRUE(t.Due("orders", now + 999ms).empty());
  EXPECT_EQ(t.Due("orders", now + 1s).size(), 1u);

  t.Started("orders", 0);
  EXPECT_EQ(s.error(), "");
  t.Apply(Event(DataEvent::Kind::kStopped, 0), now);
  EXPECT_TRUE(t.Due("orders", now + 1999ms).empty());  // 2 s now
  t.Started("orders", 0);
  t.Apply(Event(DataEvent::Kind::kStopped, 0), now);
  EXPECT_EQ(t.Due("orders", now + 3s).size(), 1u);  // capped at 3 s
}

TEST(PartitionTable, AStoppedPartitionKeepsTheReasonOfItsError) {
  PartitionTable t(1s, 300s);
  t.Add("orders", 0, "dc1.orders", false);
  t.Started("orders", 0);
  DataEvent stopping = Event(DataEvent::Kind::kStopping, 0, "record too large");
  stopping.reason = "resource_exhausted";
  t.Apply(stopping, Clock::now());
  const PartitionState& s = *t.Find("orders", 0)->state;
  EXPECT_EQ(s.reason(), "resource_exhausted");
  t.Started("orders", 0);
  EXPECT_EQ(s.reason(), "");
}

// mm2.takeover could not read where MirrorMaker 2 stopped: the partition waits its backoff.
TEST(PartitionTable, APartitionThatCannotStartIsStoppedAndRetriedLater) {
  PartitionTable t(1s, 300s);
  t.Add("orders", 0, "dc1.orders", false);
  const auto now = Clock::now();
  t.StartFailed("orders", 0, Unavailable("cannot read mm2-offsets.dc1.internal"), now);
  const PartitionState& s = *t.Find("orders", 0)->state;
  EXPECT_EQ(s.StateName(), "stopped");
  EXPECT_EQ(s.error(), "cannot read mm2-offsets.dc1.internal");
  EXPECT_EQ(s.reason(), "unavailable");
  EXPECT_TRUE(t.Due("orders", now + 999ms).empty());
  EXPECT_EQ(t.Due("orders", now + 1s).size(), 1u);
}

TEST(PartitionTable, AReplacedProducerSendsEveryPartitionBackToResuming) {
  PartitionTable t(1s, 300s);
  t.Add("orders", 0, "dc1.orders", false);
  t.Started("orders", 0);
  EXPECT_EQ(t.Apply(Event(DataEvent::Kind::kNeedsResume, 0), Clock::now()),
            PartitionTable::Outcome::kNeedsResume);
  EXPECT_EQ(t.Find("orders", 0)->state->StateName(), "resuming");
  EXPECT_EQ(t.Due("orders", Clock::now()).size(), 1u);
}

TEST(PartitionTable, OutOfRangeRestartsWhereTheCallerSays) {
  PartitionTable t(1s, 300s);
  t.Add("orders", 0, "dc1.orders", false);
  t.Started("orders", 0);
  EXPECT_EQ(t.Apply(Event(DataEvent::Kind::kOutOfRange, 0), Clock::now()),
            PartitionTable::Outcome::kOutOfRange);
  t.RestartAt("orders", 0, SourceOffset(42), {});
  EXPECT_EQ(t.Find("orders", 0)->forced_offset, SourceOffset(42));
  EXPECT_EQ(t.Due("orders", Clock::now()).size(), 1u);
  t.Started("orders", 0);
  EXPECT_FALSE(t.Find("orders", 0)->forced_offset.has_value());
}

// A truncated source whose truncation point is not known: no restart offset can be trusted,
// so the partition stays stopped, saying why, until the flow is restarted.
TEST(PartitionTable, AHeldPartitionIsNeverDue) {
  PartitionTable t(1s, 3s);
  t.Add("orders", 0, "dc1.orders", false);
  t.Started("orders", 0);
  const auto now = Clock::now();
  EXPECT_EQ(t.Apply(Event(DataEvent::Kind::kOutOfRange, 0), now),
            PartitionTable::Outcome::kOutOfRange);
  t.Hold("orders", 0, "truncated at an unknown offset", "data_loss");
  PartitionState& s = *t.Find("orders", 0)->state;
  EXPECT_EQ(s.StateName(), "stopped");
  EXPECT_EQ(s.error(), "truncated at an unknown offset");
  EXPECT_EQ(s.reason(), "data_loss");
  EXPECT_TRUE(t.Due("orders", now + 24h * 365).empty());
}

TEST(PartitionTable, ReleasesOnlyWhatTheDataPathHas) {
  PartitionTable t(1s, 300s);
  for (int32_t p = 0; p < 3; ++p) t.Add("orders", p, "dc1.orders", false);
  t.Started("orders", 0);
  t.Started("orders", 1);
  t.Apply(Event(DataEvent::Kind::kStopping, 1, "boom"), Clock::now());
  // 0 runs, 1 is draining, 2 never started: only 0 and 1 need a StopPartition.
  EXPECT_EQ(t.Release("orders"), (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(t.Find("orders", 2), nullptr);
  EXPECT_TRUE(t.Release("orders").empty());  // asked once
  // Whatever the data path says next, a released partition is gone.
  EXPECT_EQ(t.Apply(Event(DataEvent::Kind::kStopped, 1), Clock::now()),
            PartitionTable::Outcome::kForgotten);
  EXPECT_TRUE(t.Has("orders"));
  EXPECT_EQ(t.Apply(Event(DataEvent::Kind::kReleased, 0), Clock::now()),
            PartitionTable::Outcome::kForgotten);
  EXPECT_FALSE(t.Has("orders"));
}

// A partition that moves to another instance: one still on the data path is released
// first (the revoke waits for kReleased); one that was not started is forgotten at once.
TEST(PartitionTable, ReleasingOnePartitionWaitsForTheDataPath) {
  PartitionTable t(1s, 300s);
  t.Add("orders", 0, "dc1.orders", false);
  t.Add("orders", 1, "dc1.orders", false);
  t.Started("orders", 0);
  EXPECT_TRUE(t.Release("orders", 0));
  EXPECT_EQ(t.Find("orders", 0)->state->stage(), PartitionStage::kReleasing);
  EXPECT_FALSE(t.Release("orders", 1));
  EXPECT_EQ(t.Find("orders", 1), nullptr);
  EXPECT_TRUE(t.Due("orders", Clock::now()).empty());
  EXPECT_EQ(t.Apply(Event(DataEvent::Kind::kReleased, 0), Clock::now()),
            PartitionTable::Outcome::kForgotten);
  EXPECT_FALSE(t.Has("orders"));
}

}  // namespace
}  // namespace strait::replication
