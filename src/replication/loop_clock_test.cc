#include "replication/loop_clock.h"

#include <gtest/gtest.h>

#include <thread>

namespace strait::replication {
namespace {

using namespace std::chrono_literals;
using Clock = LoopClock::Clock;

TEST(LoopClock, EachIntervalCountsForTheStateTheThreadWasIn) {
  LoopClock clock;
  const Clock::time_point t0 = Clock::now();
  clock.Switch(LoopState::kWorking, t0);
  clock.Switch(LoopState::kWaitingFetch, t0 + 3ms);     // worked 3 ms
  clock.Switch(LoopState::kWorking, t0 + 23ms);         // waited 20 ms for the source
  clock.Switch(LoopState::kWaitingProduce, t0 + 25ms);  // worked 2 ms
  clock.Switch(LoopState::kWorking, t0 + 35ms);         // waited 10 ms for the target
  EXPECT_DOUBLE_EQ(clock.Seconds(LoopState::kWorking), 0.005);
  EXPECT_DOUBLE_EQ(clock.Seconds(LoopState::kWaitingFetch), 0.020);
  EXPECT_DOUBLE_EQ(clock.Seconds(LoopState::kWaitingProduce), 0.010);
}

TEST(LoopClock, NothingCountsBeforeTheFirstSwitchOrForTheUnfinishedInterval) {
  LoopClock clock;
  const Clock::time_point t0 = Clock::now();
  clock.Switch(LoopState::kWaitingFetch, t0);
  for (LoopState s : kLoopStates) EXPECT_EQ(clock.Seconds(s), 0.0) << LoopStateName(s);
}

TEST(LoopClock, AWaitingScopeReturnsToWorking) {
  LoopClock clock;
  clock.Switch(LoopState::kWorking);
  {
    LoopClock::Waiting wait(clock, LoopState::kWaitingProduce);
    std::this_thread::sleep_for(5ms);  // the interval measured, not a readiness wait
  }
  clock.Switch(LoopState::kWaitingFetch);  // closes the working interval after the scope
  EXPECT_GE(clock.Seconds(LoopState::kWaitingProduce), 0.005);
  EXPECT_LT(clock.Seconds(LoopState::kWorking), clock.Seconds(LoopState::kWaitingProduce));
}

TEST(LoopClock, NamesAreTheMetricLabels) {
  EXPECT_EQ(LoopStateName(LoopState::kWorking), "working");
  EXPECT_EQ(LoopStateName(LoopState::kWaitingFetch), "waiting_fetch");
  EXPECT_EQ(LoopStateName(LoopState::kWaitingProduce), "waiting_produce");
}

}  // namespace
}  // namespace strait::replication
