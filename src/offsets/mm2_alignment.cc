#include "offsets/mm2_alignment.h"

#include <algorithm>
#include <functional>
#include <string>

#include "base/hash.h"

namespace strait::offsets {
namespace {

// Field tags keep "null" and "empty" apart and stop one field's bytes from passing for the
// next one's.
void PutField(std::string& out, char tag, std::optional<std::string_view> bytes) {
  out.push_back(bytes ? tag : static_cast<char>(tag | 0x40));
  if (!bytes) return;
  uint64_t n = bytes->size();
  out.append(reinterpret_cast<const char*>(&n), sizeof(n));
  out.append(*bytes);
}

struct Walk {
  enum class Outcome { kMatched, kFailed, kNeedTarget };
  Outcome outcome = Outcome::kFailed;
  AlignResult result;
};

// Lays the target's end against source[0..m], from target.back() == source[m] backwards,
// until the anchor's copy (or, without an anchor, the first source record) is accounted for.
Walk WalkBack(const AlignInput& in, int64_t m, std::optional<int64_t> anchor_index) {
  const auto& src = in.source;
  const auto& tgt = in.target;
  Walk w;
  AlignResult& r = w.result;
  r.kind = AlignResult::Kind::kFound;
  r.last_copied = SourceOffset(src[m].offset);
  int64_t i = m;
  int64_t j = static_cast<int64_t>(tgt.size()) - 1;
  while (i >= 0) {
    if (j < 0) {
      if (!in.target_complete) return {Walk::Outcome::kNeedTarget, {}};
      if (anchor_index) return {};  // the anchor's copy is not on the target
      r.source_skipped += i + 1;
      break;
    }
    if (src[i].SameContent(tgt[j])) {
      r.copies.push_back({SourceOffset(src[i].offset), TargetOffset(tgt[j].offset)});
      if (anchor_index && i == *anchor_index) break;
      --i;
      --j;
    } else if (j + 1 < static_cast<int64_t>(tgt.size()) && tgt[j].SameContent(tgt[j + 1])) {
      ++r.target_repeats;  // the record after it is a copy already matched
      --j;
    } else if (anchor_index && i == *anchor_index) {
      return {};
    } else {
      ++r.source_skipped;
      --i;
    }
  }
  std::reverse(r.copies.begin(), r.copies.end());
  w.outcome = Walk::Outcome::kMatched;
  return w;
}

}  // namespace

RecordDigest DigestRecord(int64_t offset, std::optional<std::string_view> key,
                          std::optional<std::string_view> value,
                          const std::vector<kafka::HeaderView>& headers,
                          std::optional<int64_t> timestamp_ms) {
  thread_local std::string buffer;
  buffer.clear();
  PutField(buffer, 'k', key);
  PutField(buffer, 'v', value);
  for (const kafka::HeaderView& h : headers) {
    PutField(buffer, 'h', h.name);
    PutField(buffer, 'H', h.value);
  }
  if (timestamp_ms) {
    buffer.push_back('t');
    buffer.append(reinterpret_cast<const char*>(&*timestamp_ms), sizeof(int64_t));
  }
  RecordDigest d;
  d.offset = offset;
  d.hash[0] = Fnv1a(buffer);
  d.hash[1] = std::hash<std::string_view>()(buffer);
  return d;
}

AlignResult Align(const AlignInput& in) {
  if (in.target.empty()) return {};
  std::optional<int64_t> anchor_index;
  if (in.anchor) {
    for (size_t i = 0; i < in.source.size() && in.source[i].offset <= in.anchor->value(); ++i) {
      if (in.source[i].offset == in.anchor->value()) anchor_index = static_cast<int64_t>(i);
    }
  }
  // The lowest candidate first: were two source records identical, taking the earlier one
  // copies the later one again rather than skip it.
  for (size_t m = anchor_index.value_or(0); m < in.source.size(); ++m) {
    if (!in.source[m].SameContent(in.target.back())) continue;
    Walk w = WalkBack(in, static_cast<int64_t>(m), anchor_index);
    if (w.outcome == Walk::Outcome::kMatched) return w.result;
    if (w.outcome == Walk::Outcome::kNeedTarget) return {AlignResult::Kind::kNeedTarget};
  }
  return {in.source_complete ? AlignResult::Kind::kNoMatch : AlignResult::Kind::kNeedSource};
}

}  // namespace strait::offsets
