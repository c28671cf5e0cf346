// Finds where a flow stopped writing: reads the end of target partitions and returns, per
// partition, the upstream offset of the last record this flow copied from its source
// (the provenance header's path ends with the source cluster's fingerprint).
//
// Used by the control loop only; makes its own short-lived consumer per call.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/strong_types.h"
#include "kafka/types.h"

namespace strait::replication {

struct PartitionTail {
  int32_t partition = 0;
  bool has_records = false;                     // anything at all between log start and end
  std::optional<SourceOffset> last_upstream;    // the last record copied from the source
};

class TailReader {
 public:
  TailReader(kafka::Properties consumer_properties, std::string name)
      : properties_(std::move(consumer_properties)), name_(std::move(name)) {}

  // Looks back from the end of each partition, in growing windows, until a record from
  // `source_fingerprint` is found or the log start is reached.
  Result<std::vector<PartitionTail>> Read(const std::string& topic,
                                          const std::vector<int32_t>& partitions,
                                          uint64_t source_fingerprint,
                                          std::chrono::milliseconds timeout);

 private:
  kafka::Properties properties_;
  std::string name_;
};

}  // namespace strait::replication
