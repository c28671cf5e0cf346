// Records as strait sees them: a consumed Message (owning librdkafka's buffer, so its key
// and value can be handed to a producer without copying) and a header list to produce.
// Move-only values; a Message may be destroyed on any thread, but never after its
// Consumer: destroying a consumer waits until every message it returned is freed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "kafka/types.h"

struct rd_kafka_message_s;
struct rd_kafka_headers_s;

namespace strait::kafka {

struct Identity;  // kafka/security.h

enum class TimestampType { kNone, kCreateTime, kLogAppendTime };

struct HeaderView {
  std::string_view name;
  std::optional<std::string_view> value;  // nullopt: a null header value
};

// A header list being built for a produce call. The producer takes it over on success.
class Headers {
 public:
  Headers();
  ~Headers();
  Headers(Headers&& other) noexcept;
  Headers& operator=(Headers&& other) noexcept;

  void Add(std::string_view name, std::optional<std::string_view> value);
  size_t size() const;
  rd_kafka_headers_s* Release();
  // Takes back a list Release() gave away (a produce call that failed did not take it).
  void Adopt(rd_kafka_headers_s* headers);

 private:
  rd_kafka_headers_s* headers_;
};

// A truncated source partition as librdkafka 2.15.1 reports it with auto.offset.reset=error:
// an RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET event whose offset is invalid (-1001) and whose
// only word on where the new leader's log diverges is its text, "Partition log truncation
// detected at offset 1000 (leader epoch 3): broker end offset is 900 (offset leader epoch 2).
// Reset to INVALID. ..." (rdkafka_offset.c, rd_kafka_toppar_handle_OffsetForLeaderEpoch).
struct LogTruncation {
  // The first offset where the leader's log differs from what the consumer read (the end
  // of the consumer's leader epoch on the leader); nullopt when the text does not say (the
  // leader has no such epoch: "No epoch found less or equal to ...").
  std::optional<int64_t> diverges_at;
};
// nullopt unless `error_text` is librdkafka's report of a log truncation.
std::optional<LogTruncation> ParseLogTruncation(std::string_view error_text);

class Message {
 public:
  Message() = default;
  // `identity`, the consumer's (it outlives its messages), lets error() name who was denied.
  explicit Message(rd_kafka_message_s* raw, const Identity* identity = nullptr)
      : raw_(raw), identity_(identity) {}
  ~Message();
  Message(Message&& other) noexcept : raw_(other.raw_), identity_(other.identity_) {
    other.raw_ = nullptr;
  }
  Message& operator=(Message&& other) noexcept;

  bool valid() const { return raw_ != nullptr; }
  // Non-OK for error events delivered through the consume queue (e.g. offset out of range,
  // a READ the source's authorizer denied).
  Status error() const;
  bool is_partition_eof() const;
  // The fetch offset is below the log start or above the end (auto.offset.reset=error).
  // Also true for a log truncation (log_truncation()), which librdkafka reports the same way.
  bool is_offset_out_of_range() const;
  // Set when the partition's leader no longer has records the consumer read (KIP-320
  // leader-epoch validation after an unclean leader election): see LogTruncation.
  std::optional<LogTruncation> log_truncation() const;

  std::string_view topic() const;
  // Identifies the topic without comparing names: stable while the consumer lives.
  const void* topic_handle() const;
  int32_t partition() const;
  int64_t offset() const;
  std::optional<std::string_view> key() const;    // nullopt: null key
  std::optional<std::string_view> value() const;  // nullopt: null value (a tombstone)
  int64_t timestamp_ms() const;
  TimestampType timestamp_type() const;
  // The headers in order; empty when the record has none.
  std::vector<HeaderView> headers() const;
  // Appends this record's headers to `out` (for mirroring).
  void CopyHeadersTo(Headers* out) const;
  // Serialized size of key + value + `headers`, this record's as headers() returned them
  // (librdkafka parses them on every call: the data path reads them once per record).
  size_t size_bytes(const std::vector<HeaderView>& headers) const;

  rd_kafka_message_s* raw() const { return raw_; }

 private:
  rd_kafka_message_s* raw_ = nullptr;
  const Identity* identity_ = nullptr;
};

}  // namespace strait::kafka
