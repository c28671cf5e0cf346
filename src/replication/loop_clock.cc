#include "replication/loop_clock.h"

namespace strait::replication {

std::string_view LoopStateName(LoopState state) {
  switch (state) {
    case LoopState::kWorking:
      return "working";
    case LoopState::kWaitingFetch:
      return "waiting_fetch";
    case LoopState::kWaitingProduce:
      return "waiting_produce";
  }
  return "working";
}

void LoopClock::Switch(LoopState next, Clock::time_point now) {
  if (since_ != Clock::time_point{} && now > since_) {
    const auto spent = std::chrono::duration_cast<std::chrono::nanoseconds>(now - since_);
    nanos_[static_cast<size_t>(state_)].fetch_add(spent.count(), std::memory_order_relaxed);
  }
  state_ = next;
  since_ = now;
}

double LoopClock::Seconds(LoopState state) const {
  return static_cast<double>(nanos_[static_cast<size_t>(state)].load(std::memory_order_relaxed)) /
         1e9;
}

}  // namespace strait::replication
