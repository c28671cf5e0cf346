// What strait could not close of librdkafka's: read by /metrics. A header of its own so that
// the status library needs nothing else of kafka/admin.h for it.
#pragma once

#include <cstdint>

namespace strait::kafka {

// Coordinator handles left behind since the process started: each did not finish closing
// within 10 s after a group call on it timed out (admin_groups.cc says why), and keeps its
// threads and memory until the process exits.
int64_t HandlesLeftBehind();

}  // namespace strait::kafka
