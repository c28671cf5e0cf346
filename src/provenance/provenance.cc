#include "provenance/provenance.h"

#include <algorithm>

#include "base/hash.h"

namespace strait::provenance {
namespace {

constexpr uint8_t kVersion1 = 1;
constexpr uint8_t kVersion2 = 2;  // adds the source topic
constexpr std::string_view kZeroTopicId = "AAAAAAAAAAAAAAAAAAAAAA";

// Writes v big-endian at `at`; returns the position after it.
char* WriteU64(char* at, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) *at++ = static_cast<char>((v >> shift) & 0xff);
  return at;
}

uint64_t GetU64(std::string_view in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

}  // namespace

uint64_t ClusterFingerprint(std::string_view cluster_id) { return Fnv1a(cluster_id); }

uint64_t TopicFingerprint(std::string_view topic_id) {
  if (topic_id.empty() || topic_id == kZeroTopicId) return 0;
  uint64_t fp = ClusterFingerprint(topic_id);
  return fp != 0 ? fp : 1;  // 0 means "not known"
}

bool Provenance::Visited(uint64_t fingerprint) const {
  return std::find(path.begin(), path.end(), fingerprint) != path.end();
}

std::string EncodeProvenance(const Provenance& p) {
  std::string out;
  EncodeProvenance(p, &out);
  return out;
}

// Sized once and written in place: the data path encodes one header per record copied.
void EncodeProvenance(const Provenance& p, std::string* out) {
  const bool v2 = p.source_topic != 0;
  out->resize(10 + 8 * p.path.size() + (v2 ? 8 : 0));
  char* at = out->data();
  *at++ = static_cast<char>(v2 ? kVersion2 : kVersion1);
  at = WriteU64(at, static_cast<uint64_t>(p.upstream_offset.value()));
  *at++ = static_cast<char>(p.path.size());
  for (uint64_t fp : p.path) at = WriteU64(at, fp);
  if (v2) WriteU64(at, p.source_topic);
}

std::optional<Provenance> DecodeProvenance(std::string_view value) {
  if (value.size() < 10) return std::nullopt;
  const uint8_t version = static_cast<uint8_t>(value[0]);
  if (version != kVersion1 && version != kVersion2) return std::nullopt;
  size_t hops = static_cast<uint8_t>(value[9]);
  const size_t path_end = 10 + 8 * hops;
  if (hops == 0 || value.size() != path_end + (version == kVersion2 ? 8 : 0)) return std::nullopt;
  Provenance p;
  p.upstream_offset = SourceOffset(static_cast<int64_t>(GetU64(value.substr(1))));
  for (size_t i = 0; i < hops; ++i) p.path.push_back(GetU64(value.substr(10 + 8 * i)));
  if (version == kVersion2) {
    p.source_topic = GetU64(value.substr(path_end));
    if (p.source_topic == 0) return std::nullopt;  // version 1 says "not known"
  }
  return p;
}

}  // namespace strait::provenance
