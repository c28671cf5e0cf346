// Where the data thread's time goes (issue 18): working on records, or blocked waiting for
// the source (nothing fetched yet) or for the target (over the in-flight budget, the
// producer's queue full, a transaction flushing). A backlog copy that leaves the machine
// idle shows which of the two it waits for; /metrics exports the split as
// strait_data_loop_seconds_total{state}.
//
// Cheap on purpose: a switch reads the monotonic clock (vDSO, tens of nanoseconds) and adds
// to one relaxed atomic, and the loop switches a few times per batch of up to 4,096 records.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string_view>

namespace strait::replication {

enum class LoopState { kWorking, kWaitingFetch, kWaitingProduce };
inline constexpr std::array<LoopState, 3> kLoopStates = {
    LoopState::kWorking, LoopState::kWaitingFetch, LoopState::kWaitingProduce};

// As /metrics labels it: working, waiting_fetch, waiting_produce.
std::string_view LoopStateName(LoopState state);

class LoopClock {
 public:
  using Clock = std::chrono::steady_clock;

  // Data thread only: the time since the last switch counts for the state it was in;
  // from `now` on the thread is in `next`. The first switch starts the clock.
  void Switch(LoopState next, Clock::time_point now);
  void Switch(LoopState next) { Switch(next, Clock::now()); }

  // Any thread: seconds spent in `state` up to the data thread's last switch.
  double Seconds(LoopState state) const;

  // Waits in `state` for as long as the scope lives, then goes back to working.
  class Waiting {
   public:
    Waiting(LoopClock& clock, LoopState state) : clock_(clock) { clock_.Switch(state); }
    ~Waiting() { clock_.Switch(LoopState::kWorking); }
    Waiting(const Waiting&) = delete;
    Waiting& operator=(const Waiting&) = delete;

   private:
    LoopClock& clock_;
  };

 private:
  std::array<std::atomic<int64_t>, kLoopStates.size()> nanos_{};
  LoopState state_ = LoopState::kWorking;  // data thread only
  Clock::time_point since_{};              // data thread only; epoch until the first switch
};

}  // namespace strait::replication
