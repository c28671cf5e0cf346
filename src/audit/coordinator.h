// Which __consumer_offsets partition coordinates a consumer group, computed the way Kafka does:
// abs(groupId.hashCode()) % partitions, with Java's String.hashCode and Kafka's Utils.abs.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace strait::audit {

// Java's String.hashCode: s[0]*31^(n-1) + ... + s[n-1] over UTF-16 code units, with 32-bit
// overflow. `utf8` is decoded first; an invalid byte counts as U+FFFD, as Java's decoder does.
int32_t JavaStringHashCode(std::string_view utf8);

// Kafka's Utils.abs: like Math.abs, but Integer.MIN_VALUE maps to 0 instead of itself.
int32_t KafkaAbs(int32_t n);

// The __consumer_offsets partition that coordinates `group_id`; `partitions` > 0.
int32_t CoordinatorPartition(std::string_view group_id, int32_t partitions);

}  // namespace strait::audit
