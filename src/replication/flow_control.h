#pragma once

#include <algorithm>
#include <cstdint>

namespace strait::replication {

// Below this a partition is never paused, whatever the configuration says: pausing costs a
// refetch, and a budget smaller than a few batches would pause on every batch.
inline constexpr int64_t kMinPartitionBudget = 256 << 10;

// How many bytes one partition may have in flight before it is paused at the source.
// Pausing makes librdkafka drop what it prefetched for the partition (to fetch it again on
// resume), so it is kept for a partition that is slower than its busy neighbours: its share
// is half as much again as an even split of the flow budget, and never less than the
// configured per-partition budget. When the whole target is slow, every busy partition stays
// under its share and the flow budget stops reading without dropping anything; a lone busy
// partition (a one-partition topic, one hot partition) is never paused at all.
inline int64_t PartitionBudget(int64_t flow_budget, int64_t per_partition, int busy_partitions) {
  const int64_t share = flow_budget * 3 / 2 / std::max(1, busy_partitions);
  return std::max({kMinPartitionBudget, per_partition, share});
}

}  // namespace strait::replication
