// Kafka v2 record batches, as far as the batch-forwarding micro-benchmark needs them.
//
// A batch (Kafka's DefaultRecordBatch) is a 61-byte big-endian header and its records,
// compressed as one stream. The CRC-32C covers everything from the attributes on, so any
// change to the producer id, epoch, sequence, attributes or records needs a new CRC; the
// base offset, length and leader epoch before it are not covered (the broker overwrites
// them). This is benchmark code (bench/), not strait's data path: it measures what
// forwarding whole batches would cost (docs/design/batch-forwarding.md) against decoding
// and re-encoding every record as strait does through librdkafka today. Pure functions on
// caller-owned buffers, thread-compatible.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace strait::bench {

// A byte buffer that grows without zeroing what it grows into. std::string::resize writes
// zeros over bytes that lz4 is about to overwrite: at the 0.4 MB a batch needs that was a
// seventh of the re-encode path's instructions, a cost that librdkafka's malloc'd buffers
// do not have. Reused between batches, it stops allocating once large enough.
class Buffer {
 public:
  void clear() { size_ = 0; }
  size_t size() const { return size_; }
  char* data() { return data_.get(); }
  std::string_view view() const { return {data_.get(), size_}; }
  // Room for `n` more bytes after size(); Commit takes what was written there.
  char* Reserve(size_t n);
  void Commit(size_t n) { size_ += n; }
  void Append(std::string_view bytes);
  void Push(char c) { *Reserve(1) = c, ++size_; }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

// Byte positions of a v2 batch header's fields.
namespace batch_field {
inline constexpr size_t kBaseOffset = 0;
inline constexpr size_t kLength = 8;  // bytes after this field
inline constexpr size_t kLeaderEpoch = 12;
inline constexpr size_t kMagic = 16;
inline constexpr size_t kCrc = 17;
inline constexpr size_t kAttributes = 21;  // the CRC covers from here to the end
inline constexpr size_t kLastOffsetDelta = 23;
inline constexpr size_t kBaseTimestamp = 27;
inline constexpr size_t kMaxTimestamp = 35;
inline constexpr size_t kProducerId = 43;
inline constexpr size_t kProducerEpoch = 51;
inline constexpr size_t kBaseSequence = 53;
inline constexpr size_t kRecordCount = 57;
inline constexpr size_t kRecords = 61;
}  // namespace batch_field

inline constexpr int kCompressionMask = 0x7;
inline constexpr int kLz4 = 3;
inline constexpr int kTransactionalBit = 0x10;
inline constexpr int kControlBit = 0x20;

struct BatchHeader {
  int64_t base_offset = 0;
  int32_t leader_epoch = -1;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = 0;
  int64_t max_timestamp = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t record_count = 0;

  int compression() const { return attributes & kCompressionMask; }
};

// The batches of a buffer of whole batches (a log segment file, a fetch response's
// records), each a view into `bytes`. Fails on a truncated or non-v2 batch.
Result<std::vector<std::string_view>> SplitBatches(std::string_view bytes);

BatchHeader ReadHeader(std::string_view batch);
bool CrcMatches(std::string_view batch);

// What a forwarder's idempotent producer puts into the batches it sends.
struct ProducerIds {
  int64_t producer_id = 0;
  int16_t epoch = 0;
  int32_t next_sequence = 0;  // advanced by each batch's record count
};

// Turns a fetched batch, in place, into one this forwarder may produce: base offset 0,
// leader epoch -1, its own producer id, epoch and sequence, not transactional; a new CRC. Only the
// 61-byte header is read and written; the CRC pass reads the whole batch.
void RewriteForProduce(std::span<char> batch, ProducerIds& ids);

struct Header {
  std::string_view key;
  std::optional<std::string_view> value;
};

// One record of a batch, its fields pointing into the uncompressed records.
struct Record {
  int8_t attributes = 0;
  int64_t timestamp_delta = 0;
  int32_t offset_delta = 0;
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  std::vector<Header> headers;
};

// Decodes one record at the start of `data`; the bytes it took in `*size`.
Status DecodeRecord(std::string_view data, Record* record, size_t* size);
// Decodes `count` records into `records` (reusing its elements' storage).
Status DecodeRecords(std::string_view data, int32_t count, std::vector<Record>& records);
// Appends the record with `extra` after its own headers, as strait adds its provenance.
void EncodeRecord(const Record& record, const Header* extra, Buffer& out);

// Kafka's lz4 codec: one LZ4 frame of independent 64 KiB blocks, as the Java client and
// librdkafka write it. Both append to `out`.
Status Lz4Decompress(std::string_view frame, Buffer& out);
Status Lz4Compress(std::string_view data, Buffer& out);

// A Kafka lz4 frame split where it can be edited: the frame header, the first block and
// the rest (the other blocks and the end mark), all as they are. Only for frames whose
// blocks do not depend on each other: independent blocks, no content size or checksum, no
// block checksums, no dictionary, which is how both the Java client and librdkafka write.
struct Lz4Frame {
  std::string_view header;
  std::string_view first_block;  // its data, without the 4-byte size
  bool first_block_compressed = true;
  std::string_view rest;
  size_t block_max = 0;
};
std::optional<Lz4Frame> SplitLz4Frame(std::string_view frame);
Status Lz4DecompressBlock(std::string_view block, bool compressed, size_t block_max, Buffer& out);
// Appends `data` as independent blocks of at most `block_max` bytes each.
void Lz4AppendBlocks(std::string_view data, size_t block_max, Buffer& out);

// Appends a whole batch: `header`'s fields (the length and CRC computed), then `records`,
// already compressed as `header.attributes` say.
void AppendBatch(const BatchHeader& header, std::string_view records, Buffer& out);

}  // namespace strait::bench
