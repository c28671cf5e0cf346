// Where the data path starts reading a source partition: a source offset, or one end of the
// source's log (start.offset: earliest | latest). Value type, thread-compatible.
#pragma once

#include <cstdint>
#include <optional>

#include "base/strong_types.h"
#include "kafka/types.h"

namespace strait::replication {

class StartAt {
 public:
  static StartAt Offset(SourceOffset offset) { return StartAt(offset.value()); }
  static StartAt Earliest() { return StartAt(kafka::kOffsetBeginning); }
  static StartAt Latest() { return StartAt(kafka::kOffsetEnd); }

  // The offset, or nullopt for an end of the log (known once the first record arrives).
  std::optional<SourceOffset> offset() const {
    return kafka_offset_ >= 0 ? std::optional(SourceOffset(kafka_offset_)) : std::nullopt;
  }
  // As the consumer is assigned it: the offset, or librdkafka's logical offset.
  int64_t kafka_offset() const { return kafka_offset_; }
  bool operator==(const StartAt&) const = default;

 private:
  explicit StartAt(int64_t kafka_offset) : kafka_offset_(kafka_offset) {}
  int64_t kafka_offset_;
};

}  // namespace strait::replication
