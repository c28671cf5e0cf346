// The control thread's side of a flow's partitions: each one's PartitionState, when it may
// be started again, and the moves between stages (partition_state.h). The moves happen here
// and nowhere else: on the control thread, when the Flow starts or releases a partition, or
// hands over an event from the data path.
//
// Not thread-safe: owned and called by the flow's control thread. The PartitionStates it
// shares are safe to read from any thread.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "replication/data_path.h"
#include "replication/partition_state.h"

namespace strait::replication {

class PartitionTable {
 public:
  using Clock = std::chrono::steady_clock;

  struct Entry {
    std::shared_ptr<PartitionState> state;
    Clock::time_point retry_at{};
    std::chrono::milliseconds backoff{0};  // 0: the flow's partition.retry.backoff.ms
    // Where to restart regardless of what the target's log says, and why (for the log):
    // the source's log bounds after an out-of-range; after a delivery failure, the first
    // record not on the target (later ones may have landed: the tail would skip it).
    std::optional<SourceOffset> forced_offset;
    std::string_view forced_from;
  };

  // `retry_backoff`: the first wait after an error; it doubles up to `max_backoff`.
  PartitionTable(std::chrono::milliseconds retry_backoff, std::chrono::milliseconds max_backoff)
      : retry_backoff_(retry_backoff), max_backoff_(max_backoff) {}

  // A partition to mirror, kResuming; nothing happens if it is known already.
  void Add(const std::string& topic, int32_t partition, const std::string& remote, bool local_only);
  // The partitions of `topic` that may be started now (resuming, or stopped and past their
  // backoff), in partition order.
  std::vector<int32_t> Due(const std::string& topic, Clock::time_point now) const;
  // A StartPartition was posted for it: kRunning, error cleared, forced offset used up.
  void Started(const std::string& topic, int32_t partition);
  // The source topic is gone: partitions the data path still has become kReleasing and are
  // returned (the caller posts StopPartition for them); the others are forgotten at once.
  std::vector<int32_t> Release(const std::string& topic);
  // The same for one partition (it moved to another instance): true when the data path still
  // has it, and the caller posts a StopPartition; otherwise it is forgotten at once.
  bool Release(const std::string& topic, int32_t partition);

  // What an event from the data path did.
  enum class Outcome {
    kNone,
    kForgotten,    // released for good (its topic is gone, or was being released)
    kNeedsResume,  // back to kResuming: find where the target stopped again
    kOutOfRange,   // stopped; the caller decides where it restarts (RestartAt)
  };
  Outcome Apply(const DataEvent& event, Clock::time_point now);
  // A partition that was due could not be started (mm2.takeover could not read where
  // MirrorMaker 2 stopped): kStopped with the error, retried after the backoff.
  void StartFailed(const std::string& topic, int32_t partition, const Status& error,
                   Clock::time_point now);
  // After kOutOfRange: restart at `offset` (nullopt: the usual resume) from `at`.
  void RestartAt(const std::string& topic, int32_t partition, std::optional<SourceOffset> offset,
                 Clock::time_point at);

  // After kOutOfRange, when no restart offset can be trusted: kStopped with the error, and
  // not retried until the flow is restarted (a reload or a restart of strait).
  void Hold(const std::string& topic, int32_t partition, const std::string& error,
            const std::string& reason);

  Entry* Find(const std::string& topic, int32_t partition);
  bool Has(const std::string& topic) const { return topics_.count(topic) != 0; }
  // Every partition by topic, in order.
  const std::map<std::string, std::map<int32_t, Entry>>& topics() const { return topics_; }

 private:
  void Erase(const std::string& topic, int32_t partition);
  // kStopped with the error; due again after the backoff, which then doubles.
  void RetryLater(Entry& e, const std::string& error, const std::string& reason,
                  Clock::time_point now);

  const std::chrono::milliseconds retry_backoff_;
  const std::chrono::milliseconds max_backoff_;
  std::map<std::string, std::map<int32_t, Entry>> topics_;
};

}  // namespace strait::replication
