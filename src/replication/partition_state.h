// What one mirrored partition is doing, shared between the thread that mirrors it (the
// writer) and the threads that report it (/status, /metrics: readers). Counters are
// atomics written only by the data thread; the error text sits behind a mutex.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "offsets/offset_map.h"

namespace strait::replication {

enum class PartitionPhase {
  kResuming,   // finding where the target stopped
  kMirroring,
  kThrottled,  // paused at the source: its in-flight budget is full
  kStopped,    // an error stopped it; see error(); it is retried later
};

std::string_view PartitionPhaseName(PartitionPhase phase);

class PartitionState {
 public:
  // `local_only`: copy only records produced on the source itself (config::Forward::kLocal).
  PartitionState(std::string source_topic, int32_t partition, std::string remote_topic,
                 bool local_only = false)
      : source_topic_(std::move(source_topic)),
        partition_(partition),
        remote_topic_(std::move(remote_topic)),
        local_only_(local_only) {}

  const std::string& source_topic() const { return source_topic_; }
  int32_t partition() const { return partition_; }
  const std::string& remote_topic() const { return remote_topic_; }
  bool local_only() const { return local_only_; }

  void set_phase(PartitionPhase p) { phase_.store(static_cast<int>(p), std::memory_order_relaxed); }
  PartitionPhase phase() const { return static_cast<PartitionPhase>(phase_.load(std::memory_order_relaxed)); }

  // `reason`: the error's class (a StatusCodeName such as "permission_denied"), a label
  // value with few possible values for /metrics.
  void SetError(std::string error, std::string reason = "") {
    std::lock_guard lock(mu_);
    error_ = std::move(error);
    reason_ = std::move(reason);
  }
  std::string error() const {
    std::lock_guard lock(mu_);
    return error_;
  }
  std::string reason() const {
    std::lock_guard lock(mu_);
    return reason_;
  }

  // Lag in records: the source high watermark minus the first source offset the target
  // has not acknowledged. Offsets, so gaps (compaction, transaction markers) count too.
  int64_t LagRecords() const;
  // Seconds between now and the source timestamp of the oldest record not yet on the target
  // (estimated from the last acknowledged record when nothing is in flight). While the source
  // cannot be reached its high watermark is unknown; the lag is then at least the time since
  // it was last read.
  double LagSeconds(int64_t now_ms) const;
  // Records a high watermark read from the source; `fresh` marks a direct answer from the
  // source (not librdkafka's cache), which is what staleness is measured from.
  void ObserveHigh(int64_t high, int64_t now_ms, bool fresh);

  std::atomic<int64_t> records{0};         // acknowledged by the target
  std::atomic<int64_t> not_local{0};       // skipped: mirrored into the source (local_only)
  std::atomic<int64_t> bytes{0};           // key + value + headers of those
  std::atomic<int64_t> acked_next{-1};     // first source offset not yet on the target
  std::atomic<int64_t> source_high{-1};    // source high watermark (last seen)
  std::atomic<int64_t> high_read_at_ms{0}; // when the source last answered with it
  std::atomic<int64_t> source_low{-1};     // source log start offset (last seen)
  std::atomic<int64_t> last_acked_timestamp{0};  // source timestamp of the last acked record
  std::atomic<int64_t> oldest_inflight_timestamp{0};  // 0 when nothing is in flight
  std::atomic<int64_t> target_last_offset{-1};        // target offset of the last acked record
  std::atomic<int64_t> inflight_records{0};
  std::atomic<int64_t> inflight_bytes{0};
  std::atomic<int64_t> errors{0};
  std::atomic<int64_t> filtered{0};        // records not written because they would loop back
  // Source -> target offsets of what this process mirrored, for exact group translation.
  offsets::OffsetMap offset_map;

 private:
  const std::string source_topic_;
  const int32_t partition_;
  const std::string remote_topic_;
  const bool local_only_;
  std::atomic<int> phase_{static_cast<int>(PartitionPhase::kResuming)};
  mutable std::mutex mu_;
  std::string error_;   // guarded by mu_
  std::string reason_;  // guarded by mu_
};

}  // namespace strait::replication
