// What one mirrored partition is doing, shared between a flow's threads. Every field has
// exactly one writer; the atomics make reading safe from any thread, not writing from two:
//  - the control thread (Flow) owns the stage, the error text and its reason, and the high
//    watermark it queried from the source: it alone moves a partition from one stage to the
//    next, on the events the data thread sends it (data_path.h);
//  - the data thread (DataPath) owns the counters: progress, in-flight figures, the
//    watermarks librdkafka cached, whether the partition is throttled, and the offset map
//    (which a takeover from MirrorMaker 2 seeds on the control thread before the partition
//    is first started: flow_mm2.cc);
//  - /status, /metrics and the offset thread read.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/strong_types.h"
#include "offsets/offset_map.h"

namespace strait::replication {

// Where a partition is in its life. Only the control thread changes it.
//
//   kResuming --start posted--> kRunning --error--> kStopping --released--> kStopped
//       ^                          |                                            |
//       |                          +--source topic deleted--> kReleasing --> (forgotten)
//       +----------- producer replaced, or backoff over / source log bounds -----+
enum class PartitionStage {
  kResuming,   // waiting for the control thread to find where the target stopped
  kRunning,    // the data path mirrors it; PartitionState::throttled() says if it is paused
  kStopping,   // an error stopped it; what is in flight is still being acknowledged
  kStopped,    // released after an error (see error()); retried after a backoff
  kReleasing,  // the control thread asked the data path to let it go
};

// The state /status and /metrics show: resuming, mirroring, throttled, stalled or stopped.
std::string_view PartitionStateName(PartitionStage stage, bool throttled, bool stalled = false);

class PartitionState {
 public:
  // `local_only`: copy only records produced on the source itself (config::Forward::kLocal).
  PartitionState(std::string source_topic, PartitionId partition, std::string remote_topic,
                 bool local_only = false)
      : source_topic_(std::move(source_topic)),
        partition_(partition),
        remote_topic_(std::move(remote_topic)),
        local_only_(local_only) {}

  const std::string& source_topic() const { return source_topic_; }
  PartitionId partition() const { return partition_; }
  const std::string& remote_topic() const { return remote_topic_; }
  bool local_only() const { return local_only_; }

  // Control thread only.
  void set_stage(PartitionStage s) { stage_.store(s, std::memory_order_relaxed); }
  PartitionStage stage() const { return stage_.load(std::memory_order_relaxed); }
  // Control thread only. `reason`: the error's class (a StatusCodeName such as
  // "permission_denied"), a label value with few possible values for /metrics.
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
  // The last time the source's log turned out shorter than, or different from, what had
  // been read (an unclean leader election at the source): what /status shows.
  struct SourceTruncation {
    SourceOffset mirrored_up_to{-1};  // the first source offset not yet read then (-1: none)
    SourceOffset diverges_at{-1};     // where the source's log changed; -1: not known
    SourceOffset restarted_at{-1};    // where mirroring went on; -1: held (stopped)
    std::string detected_by;          // "leader_epoch" or "source_end"
  };
  // Control thread only, while the data path does not hold the partition (released): the
  // high watermarks seen before are forgotten, since they only grow and the source's end
  // is now lower.
  void SetTruncation(SourceTruncation t) {
    cached_high_.store(SourceOffset(-1), std::memory_order_relaxed);
    queried_high_.store(SourceOffset(-1), std::memory_order_relaxed);
    std::lock_guard lock(mu_);
    truncation_ = std::move(t);
  }
  std::optional<SourceTruncation> truncation() const {
    std::lock_guard lock(mu_);
    return truncation_;
  }
  // Data thread only: paused at the source because its in-flight budget is full.
  void set_throttled(bool t) { throttled_.store(t, std::memory_order_relaxed); }
  bool throttled() const { return throttled_.load(std::memory_order_relaxed); }
  // PartitionStateName of this partition.
  std::string_view StateName() const { return PartitionStateName(stage(), throttled()); }

  // Lag in records: the source high watermark minus the first source offset the target
  // has not acknowledged. Offsets, so gaps (compaction, transaction markers) count too.
  // 0 when unknown; KnownLagRecords says which.
  int64_t LagRecords() const;
  // The same, or nullopt while it cannot be measured: no high watermark was read yet, or
  // the source has not answered for this partition for a while (kLagUnknownAfterMs).
  std::optional<int64_t> KnownLagRecords(int64_t now_ms) const;
  // Why the partition is stalled, or "" when it is not: mirroring, but no record
  // acknowledged for kStalledAfterMs while the source is ahead, or its lag unknown as long.
  // `kind` (optional) gets the reason's class for /metrics: "no_progress", "lag_unknown".
  std::string Stalled(int64_t now_ms, std::string* kind = nullptr) const;
  // Control thread, every couple of seconds: notes whether acknowledgement moved.
  void ObserveProgress(int64_t now_ms);
  static constexpr int64_t kLagUnknownAfterMs = 15000;
  static constexpr int64_t kStalledAfterMs = 30000;
  // Seconds between now and the source timestamp of the oldest record not yet on the target
  // (estimated from the last acknowledged record when nothing is in flight). While the source
  // cannot be reached its high watermark is unknown; the lag is then at least the time since
  // it was last read.
  double LagSeconds(int64_t now_ms) const;
  // The newer of the two high watermarks below; -1 before either was read.
  SourceOffset SourceHigh() const;
  // Data thread: a high watermark from librdkafka's cache (fetch responses).
  void ObserveCachedHigh(SourceOffset high);
  // Control thread: a high watermark the source itself answered with just now, which is what
  // staleness is measured from.
  void ObserveQueriedHigh(SourceOffset high, int64_t now_ms);

  // Written by the data thread.
  std::atomic<int64_t> records{0};    // acknowledged by the target
  std::atomic<int64_t> not_local{0};  // skipped: mirrored into the source (local_only)
  std::atomic<int64_t> bytes{0};      // key + value + headers of those
  // Offsets are -1 until known.
  std::atomic<SourceOffset> acked_next{SourceOffset(-1)};  // first one not yet on the target
  std::atomic<SourceOffset> source_low{SourceOffset(-1)};  // source log start (last seen)
  std::atomic<int64_t> last_acked_timestamp{0};       // source timestamp of the last acked record
  std::atomic<int64_t> oldest_inflight_timestamp{0};  // 0 when nothing is in flight
  std::atomic<TargetOffset> target_last_offset{TargetOffset(-1)};  // of the last acked record
  std::atomic<int64_t> inflight_records{0};
  std::atomic<int64_t> inflight_bytes{0};
  std::atomic<int64_t> errors{0};
  std::atomic<int64_t> filtered{0};  // records not written because they would loop back
  // Source -> target offsets of what this process mirrored, for exact group translation.
  offsets::OffsetMap offset_map;

 private:
  // Watermarks only grow (a truncated source is handled as an out-of-range error, and
  // SetTruncation starts them again), and a cache may answer with an older value than a
  // direct query did.
  static void Raise(std::atomic<SourceOffset>& to, SourceOffset value);

  const std::string source_topic_;
  const PartitionId partition_;
  const std::string remote_topic_;
  const bool local_only_;
  std::atomic<PartitionStage> stage_{PartitionStage::kResuming};  // control thread
  std::atomic<bool> throttled_{false};                            // data thread
  std::atomic<SourceOffset> cached_high_{SourceOffset(-1)};       // data thread
  std::atomic<SourceOffset> queried_high_{SourceOffset(-1)};      // control thread
  std::atomic<int64_t> high_read_at_ms_{0};                       // control thread
  std::atomic<int64_t> watched_since_ms_{0};                      // control thread
  std::atomic<SourceOffset> progress_seen_{SourceOffset(-1)};     // control thread
  std::atomic<int64_t> progress_at_ms_{0};                        // control thread
  mutable std::mutex mu_;
  std::string error_;                           // guarded by mu_; control thread
  std::string reason_;                          // guarded by mu_; control thread
  std::optional<SourceTruncation> truncation_;  // guarded by mu_; control thread
};

}  // namespace strait::replication
