#include "record_batch.h"

#include <lz4.h>
#include <lz4frame.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "crc32c.h"

namespace strait::bench {
namespace {

using namespace batch_field;

template <typename T>
T GetBig(std::string_view bytes, size_t pos) {
  T value = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    value = static_cast<T>((value << 8) | static_cast<unsigned char>(bytes[pos + i]));
  }
  return value;
}

template <typename T>
void PutBig(char* at, T value) {
  auto v = static_cast<std::make_unsigned_t<T>>(value);
  for (size_t i = 0; i < sizeof(T); ++i) {
    at[sizeof(T) - 1 - i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  }
}

uint32_t GetLittle32(std::string_view bytes, size_t pos) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[pos + i]);
  return value;
}

void PutLittle32(char* at, uint32_t value) {
  for (int i = 0; i < 4; ++i) at[i] = static_cast<char>((value >> (8 * i)) & 0xFF);
}

void UpdateCrc(char* batch, size_t size) {
  PutBig<uint32_t>(batch + kCrc, Crc32c(std::string_view(batch + kAttributes, size - kAttributes)));
}

// Kafka's varints are zigzag-encoded (signed) base-128, least significant group first.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool VarLong(int64_t* out) {
    uint64_t raw = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return false;
      auto byte = static_cast<unsigned char>(data_[pos_++]);
      raw |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) {
        *out = static_cast<int64_t>(raw >> 1) ^ -static_cast<int64_t>(raw & 1);
        return true;
      }
    }
    return false;
  }
  template <typename T>
  bool Var(T* out) {
    int64_t v;
    if (!VarLong(&v)) return false;
    *out = static_cast<T>(v);
    return true;
  }
  bool Byte(int8_t* out) {
    if (pos_ >= data_.size()) return false;
    *out = static_cast<int8_t>(data_[pos_++]);
    return true;
  }
  // A length-prefixed byte string; -1 is null.
  bool Bytes(std::optional<std::string_view>* out) {
    int64_t length;
    if (!VarLong(&length) || length < -1 || length > int64_t(data_.size() - pos_)) return false;
    if (length < 0) {
      out->reset();
      return true;
    }
    *out = data_.substr(pos_, length);
    pos_ += length;
    return true;
  }
  size_t pos() const { return pos_; }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

void PutVarLong(Buffer& out, int64_t value) {
  auto raw = (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
  char* at = out.Reserve(10);
  size_t n = 0;
  while (raw >= 0x80) {
    at[n++] = static_cast<char>((raw & 0x7F) | 0x80);
    raw >>= 7;
  }
  at[n++] = static_cast<char>(raw);
  out.Commit(n);
}

void PutBytes(Buffer& out, const std::optional<std::string_view>& bytes) {
  if (!bytes) return PutVarLong(out, -1);
  PutVarLong(out, static_cast<int64_t>(bytes->size()));
  out.Append(*bytes);
}

void PutHeader(Buffer& out, const Header& header) {
  PutBytes(out, header.key);
  PutBytes(out, header.value);
}

Status Corrupt(std::string_view what) {
  return {StatusCode::kDataLoss, "corrupt record batch: " + std::string(what)};
}

Status Lz4Error(std::string_view what, size_t code) {
  return Internal(std::string(what) + ": " + LZ4F_getErrorName(code));
}

}  // namespace

char* Buffer::Reserve(size_t n) {
  if (capacity_ - size_ < n) {
    size_t capacity = std::max(capacity_ * 2, size_ + n);
    auto grown = std::make_unique_for_overwrite<char[]>(capacity);
    if (size_) std::memcpy(grown.get(), data_.get(), size_);
    data_ = std::move(grown);
    capacity_ = capacity;
  }
  return data_.get() + size_;
}

void Buffer::Append(std::string_view bytes) {
  if (bytes.empty()) return;
  std::memcpy(Reserve(bytes.size()), bytes.data(), bytes.size());
  size_ += bytes.size();
}

Result<std::vector<std::string_view>> SplitBatches(std::string_view bytes) {
  std::vector<std::string_view> batches;
  size_t pos = 0;
  while (pos < bytes.size()) {
    if (bytes.size() - pos < kRecords) return Corrupt("truncated header");
    auto length = GetBig<int32_t>(bytes, pos + kLength);
    if (length < int32_t(kRecords - kLeaderEpoch) ||
        bytes.size() - pos - kLeaderEpoch < size_t(length)) {
      return Corrupt("batch length " + std::to_string(length));
    }
    if (bytes[pos + kMagic] != 2) return Corrupt("magic is not 2");
    batches.push_back(bytes.substr(pos, kLeaderEpoch + length));
    pos += kLeaderEpoch + length;
  }
  return batches;
}

BatchHeader ReadHeader(std::string_view batch) {
  BatchHeader h;
  h.base_offset = GetBig<int64_t>(batch, kBaseOffset);
  h.leader_epoch = GetBig<int32_t>(batch, kLeaderEpoch);
  h.attributes = GetBig<int16_t>(batch, kAttributes);
  h.last_offset_delta = GetBig<int32_t>(batch, kLastOffsetDelta);
  h.base_timestamp = GetBig<int64_t>(batch, kBaseTimestamp);
  h.max_timestamp = GetBig<int64_t>(batch, kMaxTimestamp);
  h.producer_id = GetBig<int64_t>(batch, kProducerId);
  h.producer_epoch = GetBig<int16_t>(batch, kProducerEpoch);
  h.base_sequence = GetBig<int32_t>(batch, kBaseSequence);
  h.record_count = GetBig<int32_t>(batch, kRecordCount);
  return h;
}

bool CrcMatches(std::string_view batch) {
  return GetBig<uint32_t>(batch, kCrc) == Crc32c(batch.substr(kAttributes));
}

void RewriteForProduce(std::span<char> batch, ProducerIds& ids) {
  char* b = batch.data();
  std::string_view view(b, batch.size());
  auto attributes = GetBig<int16_t>(view, kAttributes);
  PutBig<int64_t>(b + kBaseOffset, 0);
  PutBig<int32_t>(b + kLeaderEpoch, -1);  // a client's value; the leader writes its own
  PutBig<int16_t>(b + kAttributes, static_cast<int16_t>(attributes & ~kTransactionalBit));
  PutBig<int64_t>(b + kProducerId, ids.producer_id);
  PutBig<int16_t>(b + kProducerEpoch, ids.epoch);
  PutBig<int32_t>(b + kBaseSequence, ids.next_sequence);
  ids.next_sequence += GetBig<int32_t>(view, kRecordCount);
  UpdateCrc(b, batch.size());
}

Status DecodeRecord(std::string_view data, Record* record, size_t* size) {
  Reader in(data);
  int64_t length;
  if (!in.VarLong(&length) || length < 0 || size_t(length) > data.size() - in.pos()) {
    return Corrupt("record length");
  }
  size_t end = in.pos() + length;
  Reader body(data.substr(in.pos(), length));
  int32_t header_count;
  if (!body.Byte(&record->attributes) || !body.VarLong(&record->timestamp_delta) ||
      !body.Var(&record->offset_delta) || !body.Bytes(&record->key) ||
      !body.Bytes(&record->value) || !body.Var(&header_count) || header_count < 0) {
    return Corrupt("record fields");
  }
  record->headers.resize(header_count);
  for (Header& h : record->headers) {
    std::optional<std::string_view> key;
    if (!body.Bytes(&key) || !key || !body.Bytes(&h.value)) return Corrupt("record header");
    h.key = *key;
  }
  *size = end;
  return Status::Ok();
}

Status DecodeRecords(std::string_view data, int32_t count, std::vector<Record>& records) {
  records.resize(count);
  for (Record& r : records) {
    size_t size;
    STRAIT_RETURN_IF_ERROR(DecodeRecord(data, &r, &size));
    data.remove_prefix(size);
  }
  return data.empty() ? Status::Ok() : Corrupt("bytes after the last record");
}

void EncodeRecord(const Record& record, const Header* extra, Buffer& out) {
  // The length prefix comes first but counts what follows: encode the body, then both.
  thread_local Buffer body;
  body.clear();
  body.Push(static_cast<char>(record.attributes));
  PutVarLong(body, record.timestamp_delta);
  PutVarLong(body, record.offset_delta);
  PutBytes(body, record.key);
  PutBytes(body, record.value);
  PutVarLong(body, static_cast<int64_t>(record.headers.size() + (extra ? 1 : 0)));
  for (const Header& h : record.headers) PutHeader(body, h);
  if (extra) PutHeader(body, *extra);
  PutVarLong(out, static_cast<int64_t>(body.size()));
  out.Append(body.view());
}

Status Lz4Decompress(std::string_view frame, Buffer& out) {
  // A context per call, as librdkafka does (rdkafka_lz4.c).
  LZ4F_dctx* raw = nullptr;
  if (size_t r = LZ4F_createDecompressionContext(&raw, LZ4F_VERSION); LZ4F_isError(r)) {
    return Lz4Error("lz4 context", r);
  }
  std::unique_ptr<LZ4F_dctx, decltype(&LZ4F_freeDecompressionContext)> ctx(
      raw, LZ4F_freeDecompressionContext);
  // Without a content size in the frame (neither client writes one), guess, as librdkafka.
  size_t room = frame.size() * 3;
  while (true) {
    size_t in_size = frame.size();
    size_t out_size = room;
    size_t r =
        LZ4F_decompress(ctx.get(), out.Reserve(room), &out_size, frame.data(), &in_size, nullptr);
    if (LZ4F_isError(r)) return Lz4Error("lz4 decompression", r);
    out.Commit(out_size);
    frame.remove_prefix(in_size);
    if (r == 0) return Status::Ok();
    if (frame.empty()) return Corrupt("lz4 frame ends early");
  }
}

Status Lz4Compress(std::string_view data, Buffer& out) {
  // As librdkafka's producer does it (rdkafka_lz4.c): a context per batch, independent
  // blocks (Kafka needs them), the default 64 KiB blocks and level.
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  LZ4F_cctx* raw = nullptr;
  if (size_t r = LZ4F_createCompressionContext(&raw, LZ4F_VERSION); LZ4F_isError(r)) {
    return Lz4Error("lz4 context", r);
  }
  std::unique_ptr<LZ4F_cctx, decltype(&LZ4F_freeCompressionContext)> ctx(
      raw, LZ4F_freeCompressionContext);
  size_t bound = LZ4F_compressBound(data.size(), &prefs) + LZ4F_HEADER_SIZE_MAX;
  out.Reserve(bound);
  for (int step = 0; step < 3; ++step) {
    char* at = out.data() + out.size();
    size_t room = bound;
    size_t r = step == 0 ? LZ4F_compressBegin(ctx.get(), at, room, &prefs)
               : step == 1
                   ? LZ4F_compressUpdate(ctx.get(), at, room, data.data(), data.size(), nullptr)
                   : LZ4F_compressEnd(ctx.get(), at, room, nullptr);
    if (LZ4F_isError(r)) return Lz4Error("lz4 compression", r);
    out.Commit(r);
    bound -= r;
  }
  return Status::Ok();
}

std::optional<Lz4Frame> SplitLz4Frame(std::string_view frame) {
  constexpr uint32_t kMagic = 0x184D2204;
  constexpr int kIndependent = 0x20, kTiedTogether = 0x1F;  // checksums, size, dictionary
  if (frame.size() < 7 || GetLittle32(frame, 0) != kMagic) return std::nullopt;
  auto flags = static_cast<unsigned char>(frame[4]);
  auto bd = static_cast<unsigned char>(frame[5]);
  if ((flags & 0xC0) != 0x40 || !(flags & kIndependent) || (flags & kTiedTogether)) {
    return std::nullopt;
  }
  Lz4Frame f;
  f.block_max = size_t{1} << (8 + 2 * ((bd >> 4) & 0x7));  // 4: 64 KiB ... 7: 4 MiB
  f.header = frame.substr(0, 7);
  frame.remove_prefix(7);
  if (frame.size() < 4) return std::nullopt;
  uint32_t size = GetLittle32(frame, 0);
  f.first_block_compressed = !(size & 0x80000000u);
  size &= 0x7FFFFFFFu;
  if (size == 0 || size > f.block_max || frame.size() - 4 < size) return std::nullopt;
  f.first_block = frame.substr(4, size);
  f.rest = frame.substr(4 + size);
  return f;
}

Status Lz4DecompressBlock(std::string_view block, bool compressed, size_t block_max, Buffer& out) {
  if (!compressed) {
    out.Append(block);
    return Status::Ok();
  }
  int n = LZ4_decompress_safe(block.data(), out.Reserve(block_max), static_cast<int>(block.size()),
                              static_cast<int>(block_max));
  if (n < 0) return Corrupt("lz4 block");
  out.Commit(n);
  return Status::Ok();
}

void Lz4AppendBlocks(std::string_view data, size_t block_max, Buffer& out) {
  for (size_t pos = 0; pos < data.size(); pos += block_max) {
    std::string_view chunk = data.substr(pos, block_max);
    auto n = static_cast<int>(chunk.size());
    char* size_at = out.Reserve(4 + LZ4_compressBound(n));
    int written = LZ4_compress_default(chunk.data(), size_at + 4, n, LZ4_compressBound(n));
    uint32_t size = static_cast<uint32_t>(written);
    if (written <= 0 || written >= n) {  // incompressible: stored as it is
      std::memcpy(size_at + 4, chunk.data(), chunk.size());
      size = static_cast<uint32_t>(n) | 0x80000000u;
    }
    PutLittle32(size_at, size);
    out.Commit(4 + (size & 0x7FFFFFFFu));
  }
}

void AppendBatch(const BatchHeader& h, std::string_view records, Buffer& out) {
  size_t start = out.size();
  char* b = out.Reserve(kRecords);
  PutBig<int64_t>(b + kBaseOffset, h.base_offset);
  PutBig<int32_t>(b + kLength, static_cast<int32_t>(kRecords - kLeaderEpoch + records.size()));
  PutBig<int32_t>(b + kLeaderEpoch, h.leader_epoch);
  b[kMagic] = 2;
  PutBig<int16_t>(b + kAttributes, h.attributes);
  PutBig<int32_t>(b + kLastOffsetDelta, h.last_offset_delta);
  PutBig<int64_t>(b + kBaseTimestamp, h.base_timestamp);
  PutBig<int64_t>(b + kMaxTimestamp, h.max_timestamp);
  PutBig<int64_t>(b + kProducerId, h.producer_id);
  PutBig<int16_t>(b + kProducerEpoch, h.producer_epoch);
  PutBig<int32_t>(b + kBaseSequence, h.base_sequence);
  PutBig<int32_t>(b + kRecordCount, h.record_count);
  out.Commit(kRecords);
  out.Append(records);
  UpdateCrc(out.data() + start, out.size() - start);
}

}  // namespace strait::bench
