#include "replication/partition_state.h"

#include <algorithm>

namespace strait::replication {

std::string_view PartitionPhaseName(PartitionPhase phase) {
  switch (phase) {
    case PartitionPhase::kResuming: return "resuming";
    case PartitionPhase::kMirroring: return "mirroring";
    case PartitionPhase::kThrottled: return "throttled";
    case PartitionPhase::kStopped: return "stopped";
  }
  return "unknown";
}

int64_t PartitionState::LagRecords() const {
  int64_t high = source_high.load(std::memory_order_relaxed);
  if (high < 0) return 0;
  int64_t next = acked_next.load(std::memory_order_relaxed);
  // Before the first record of a partition started at a logical offset, everything from
  // the log start is still to come.
  if (next < 0) next = std::max<int64_t>(0, source_low.load(std::memory_order_relaxed));
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
  int64_t read_at = high_read_at_ms.load(std::memory_order_relaxed);
  if (read_at > 0 && now_ms - read_at > kStaleAfterMs) {
    lag = std::max(lag, static_cast<double>(now_ms - read_at) / 1000.0);
  }
  return lag;
}

void PartitionState::ObserveHigh(int64_t high, int64_t now_ms, bool fresh) {
  // Watermarks only grow (a truncated source is handled as an out-of-range error), and the
  // cache may answer with an older value than a direct query did.
  int64_t current = source_high.load(std::memory_order_relaxed);
  while (high > current && !source_high.compare_exchange_weak(current, high)) {
  }
  if (fresh) high_read_at_ms.store(now_ms, std::memory_order_relaxed);
}

}  // namespace strait::replication
