#include "mm2/format.h"

#include <fmt/format.h>

namespace strait::mm2 {
namespace {

constexpr size_t kMaxString = 32767;  // Kafka's STRING: an int16 length

void PutInt(std::string& out, uint64_t v, int bytes) {
  for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

Status PutString(std::string& out, std::string_view s, std::string_view field) {
  if (s.size() > kMaxString) {
    return InvalidArgument(fmt::format("{} is {} bytes; MirrorMaker 2's format holds at most {}",
                                       field, s.size(), kMaxString));
  }
  PutInt(out, s.size(), 2);
  out.append(s);
  return Status::Ok();
}

// Reads fields front to back; any short read makes the whole record invalid.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return in_.empty(); }

  uint64_t Int(int bytes) {
    if (!ok_ || in_.size() < static_cast<size_t>(bytes)) {
      ok_ = false;
      return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(in_[i]);
    in_.remove_prefix(bytes);
    return v;
  }
  std::string String() {
    auto n = static_cast<int16_t>(Int(2));
    if (!ok_ || n < 0 || in_.size() < static_cast<size_t>(n)) {
      ok_ = false;
      return "";
    }
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }

 private:
  std::string_view in_;
  bool ok_ = true;
};

constexpr int16_t kVersion = 0;

}  // namespace

Result<std::string> EncodeCheckpointKey(const Checkpoint& c) {
  std::string out;
  STRAIT_RETURN_IF_ERROR(PutString(out, c.group, "the group name"));
  STRAIT_RETURN_IF_ERROR(PutString(out, c.topic, "the topic name"));
  PutInt(out, static_cast<uint32_t>(c.partition), 4);
  return out;
}

Result<std::string> EncodeCheckpointValue(const Checkpoint& c) {
  std::string out;
  PutInt(out, static_cast<uint16_t>(kVersion), 2);
  PutInt(out, static_cast<uint64_t>(c.upstream_offset), 8);
  PutInt(out, static_cast<uint64_t>(c.downstream_offset), 8);
  STRAIT_RETURN_IF_ERROR(PutString(out, c.metadata, "the commit's metadata"));
  return out;
}

std::optional<Checkpoint> DecodeCheckpoint(std::string_view key, std::string_view value) {
  Checkpoint c;
  Reader k(key);
  c.group = k.String();
  c.topic = k.String();
  c.partition = static_cast<int32_t>(k.Int(4));
  Reader v(value);
  auto version = static_cast<int16_t>(v.Int(2));
  c.upstream_offset = static_cast<int64_t>(v.Int(8));
  c.downstream_offset = static_cast<int64_t>(v.Int(8));
  c.metadata = v.String();
  if (!k.ok() || !k.done() || !v.ok() || !v.done() || version != kVersion) return std::nullopt;
  return c;
}

Result<std::string> EncodeHeartbeatKey(const Heartbeat& h) {
  std::string out;
  STRAIT_RETURN_IF_ERROR(PutString(out, h.source_alias, "the source alias"));
  STRAIT_RETURN_IF_ERROR(PutString(out, h.target_alias, "the target alias"));
  return out;
}

std::string EncodeHeartbeatValue(const Heartbeat& h) {
  std::string out;
  PutInt(out, static_cast<uint16_t>(kVersion), 2);
  PutInt(out, static_cast<uint64_t>(h.timestamp_ms), 8);
  return out;
}

std::optional<Heartbeat> DecodeHeartbeat(std::string_view key, std::string_view value) {
  Heartbeat h;
  Reader k(key);
  h.source_alias = k.String();
  h.target_alias = k.String();
  Reader v(value);
  auto version = static_cast<int16_t>(v.Int(2));
  h.timestamp_ms = static_cast<int64_t>(v.Int(8));
  if (!k.ok() || !k.done() || !v.ok() || !v.done() || version != kVersion) return std::nullopt;
  return h;
}

std::string CheckpointsTopic(std::string_view source_alias, std::string_view separator) {
  return std::string(source_alias) + std::string(separator) + "checkpoints" +
         std::string(separator) + "internal";
}

}  // namespace strait::mm2
