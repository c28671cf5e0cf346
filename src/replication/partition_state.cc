#include "replication/partition_state.h"

#include <fmt/format.h>

#include <algorithm>

namespace strait::replication {

std::string_view PartitionStateName(PartitionStage stage, bool throttled, bool stalled) {
  switch (stage) {
    case PartitionStage::kResuming:
      return "resuming";
    case PartitionStage::kRunning:
    case PartitionStage::kReleasing:
      return stalled ? "stalled" : throttled ? "throttled" : "mirroring";
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

std::optional<int64_t> PartitionState::KnownLagRecords(int64_t now_ms) const {
  if (SourceHigh().value() < 0) return std::nullopt;
  const int64_t read_at = high_read_at_ms_.load(std::memory_order_relaxed);
  const int64_t since = read_at > 0 ? read_at : watched_since_ms_.load(std::memory_order_relaxed);
  if (since > 0 && now_ms - since > kLagUnknownAfterMs) return std::nullopt;
  return LagRecords();
}

std::string PartitionState::Stalled(int64_t now_ms, std::string* kind) const {
  if (stage() != PartitionStage::kRunning) return "";
  const int64_t watched = watched_since_ms_.load(std::memory_order_relaxed);
  const int64_t read_at = high_read_at_ms_.load(std::memory_order_relaxed);
  const int64_t unread_since = read_at > 0 ? read_at : watched;
  std::string reason, why;
  if (unread_since > 0 && now_ms - unread_since > kStalledAfterMs) {
    why = "lag_unknown";
    reason = fmt::format("the source has not answered for this partition's end offset for {} s",
                         (now_ms - unread_since) / 1000);
  } else if (const int64_t lag = LagRecords(); lag > 0) {
    const int64_t at = progress_at_ms_.load(std::memory_order_relaxed);
    if (at > 0 && now_ms - at > kStalledAfterMs) {
      why = "no_progress";
      reason = fmt::format(
          "no record acknowledged by the target for {} s while the source is {} "
          "records ahead",
          (now_ms - at) / 1000, lag);
    }
  }
  if (kind != nullptr) *kind = why;
  return reason;
}

void PartitionState::ObserveProgress(int64_t now_ms) {
  if (watched_since_ms_.load(std::memory_order_relaxed) == 0) {
    watched_since_ms_.store(now_ms, std::memory_order_relaxed);
  }
  const SourceOffset next = acked_next.load(std::memory_order_relaxed);
  // Caught up counts as progress: nothing to do is not a stall.
  if (next != progress_seen_.load(std::memory_order_relaxed) || LagRecords() == 0 ||
      progress_at_ms_.load(std::memory_order_relaxed) == 0) {
    progress_seen_.store(next, std::memory_order_relaxed);
    progress_at_ms_.store(now_ms, std::memory_order_relaxed);
  }
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
