// CRC-32C (Castagnoli), the checksum of a Kafka v2 record batch.
//
// Uses the SSE4.2 crc32 instruction when the CPU has it (checked once, at first use), a
// table otherwise. Part of the batch-forwarding micro-benchmark (bench/), not of strait:
// a forwarder that rewrites a batch's producer id must recompute it over the whole batch,
// so its speed bounds what batch forwarding can reach. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace strait::bench {

uint32_t Crc32c(std::string_view data);

// Whether Crc32c uses the SSE4.2 instruction on this machine.
bool Crc32cIsHardware();

}  // namespace strait::bench
