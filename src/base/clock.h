// Wall-clock time the way Kafka counts it: milliseconds since the Unix epoch, the unit of
// record timestamps, so that ages and lags can be computed against them. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>

namespace strait {

inline int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace strait
