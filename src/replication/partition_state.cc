#include "replication/partition_state.h"

#include <algorithm>

namespace strait::replication {

std::string_view PartitionStateName(PartitionStage stage, bool throttled) {
  switch (stage) {
    case PartitionStage::kResuming:
      return "resuming";
    case PartitionStage::kRunning:
    case PartitionStage::kReleasing:
      return throttled ? "throttled" : "mirroring";
    case PartitionStage::kStopping:
    case PartitionStage::kStopped:
      return "stopped";
  }
  return "unknown";
}

SourceOffset PartitionState::SourceHigh() const {
  return std::max(cached_high_.load(std::memory_order_relaxed),
                  queried_high_.load(std::memory_order_relaxed));
}

int64_t PartitionState::LagRecords() const {
  const SourceOffset high = SourceHigh();
  if (high.value() < 0) return 0;
  SourceOffset next = acked_next.load(std::memory_order_relaxed);
  // Before the first record of a partition started at a logical offset, everything from
  // the log start is still to come.
  if (next.value() < 0) {
    next = std::max(SourceOffset(0), source_low.load(std::memory_order_relaxed));
  }
  return std::max<int64_t>(0, high - next);
}

// A high watermark older than this is stale: the source is probably unreachable.
constexpr int64_t kStaleAfterMs = 5000;

double PartitionState::LagSeconds(int64_t now_ms) const {
  double lag = 0;
  if (LagRecords() > 0) {
    int64_t oldest = oldest_inflight_timestamp.load(std::memory_order_relaxed);
    if (oldest == 0) oldest = last_acked_timestamp.load(std::memory_order_relaxed);
    if (oldest > 0) lag = std::max<double>(0, static_cast<double>(now_ms - oldest) / 1000.0);
  }
  int64_t read_at = high_read_at_ms_.load(std::memory_order_relaxed);
  if (read_at > 0 && now_ms - read_at > kStaleAfterMs) {
    lag = std::max(lag, static_cast<double>(now_ms - read_at) / 1000.0);
  }
  return lag;
}

void PartitionState::Raise(std::atomic<SourceOffset>& to, SourceOffset value) {
  // One writer per field: a plain compare is enough, the store only publishes it.
  if (value > to.load(std::memory_order_relaxed)) to.store(value, std::memory_order_relaxed);
}

void PartitionState::ObserveCachedHigh(SourceOffset high) { Raise(cached_high_, high); }

void PartitionState::ObserveQueriedHigh(SourceOffset high, int64_t now_ms) {
  Raise(queried_high_, high);
  high_read_at_ms_.store(now_ms, std::memory_order_relaxed);
}

}  // namespace strait::replication
