#include "offsets/offset_map.h"

#include <algorithm>
#include <iterator>

namespace strait::offsets {

void OffsetMap::Record(SourceOffset upstream, TargetOffset target) {
  std::lock_guard lock(mu_);
  target_end_ = std::max(target_end_, target.value() + 1);
  if (!runs_.empty()) {
    Run& last = runs_.back();
    if (upstream.value() == last.upstream + last.length &&
        target.value() == last.target + last.length) {
      ++last.length;
      break_pending_ = false;  // no gap: nothing can be missing
      return;
    }
  }
  runs_.push_back({upstream.value(), target.value(), 1, break_pending_ && !runs_.empty()});
  break_pending_ = false;
  if (runs_.size() > max_runs_) runs_.pop_front();
}

OffsetMap::Translation OffsetMap::Translate(SourceOffset n) const {
  std::lock_guard lock(mu_);
  if (runs_.empty() || n.value() < runs_.front().upstream) return {};
  // The first run that ends after n: n is inside it or in the gap before it.
  auto it = std::partition_point(runs_.begin(), runs_.end(),
                                 [&](const Run& r) { return r.upstream + r.length <= n.value(); });
  if (it == runs_.end()) {
    const Run& last = runs_.back();
    return {Coverage::kAfterLast, TargetOffset(std::max(last.target + last.length, target_end_))};
  }
  if (n.value() < it->upstream && it->after_break) return {};  // in a gap nobody saw
  int64_t into = std::max<int64_t>(0, n.value() - it->upstream);
  return {Coverage::kExact, TargetOffset(it->target + into)};
}

OffsetMap::Translation OffsetMap::After(SourceOffset n) const {
  std::lock_guard lock(mu_);
  const int64_t read = n.value() - 1;  // the last source offset the consumer has read
  if (runs_.empty() || read < runs_.front().upstream) return {};
  // The first run that ends after `read`: `read` is inside it or in the gap before it.
  auto it = std::partition_point(runs_.begin(), runs_.end(),
                                 [&](const Run& r) { return r.upstream + r.length <= read; });
  if (it == runs_.end()) {
    const Run& last = runs_.back();
    return {Coverage::kAfterLast, TargetOffset(last.target + last.length)};
  }
  if (read >= it->upstream) {
    return {Coverage::kExact, TargetOffset(it->target + (read - it->upstream) + 1)};
  }
  // In the gap before `it`; the front run starts at or before `read`, so `it` has one before.
  if (it->after_break) return {};  // records the map never heard of may be in that gap
  const Run& before = *std::prev(it);
  return {Coverage::kExact, TargetOffset(before.target + before.length)};
}

std::optional<SourceOffset> OffsetMap::Reverse(TargetOffset t) const {
  std::lock_guard lock(mu_);
  if (runs_.empty() || t.value() < runs_.front().target) return std::nullopt;
  auto it = std::partition_point(runs_.begin(), runs_.end(),
                                 [&](const Run& r) { return r.target + r.length <= t.value(); });
  if (it == runs_.end()) return std::nullopt;
  if (t.value() < it->target && it->after_break) return std::nullopt;
  int64_t into = std::max<int64_t>(0, t.value() - it->target);
  return SourceOffset(it->upstream + into);
}

void OffsetMap::Break() {
  std::lock_guard lock(mu_);
  break_pending_ = true;
}

void OffsetMap::Truncate(SourceOffset upstream) {
  std::lock_guard lock(mu_);
  while (!runs_.empty() && runs_.back().upstream >= upstream.value()) runs_.pop_back();
  if (!runs_.empty()) {
    Run& last = runs_.back();
    last.length = std::min(last.length, upstream.value() - last.upstream);
  }
  // The restart may leave a gap before the next record that is neither compaction nor
  // markers (the dropped copies at least): not to be trusted.
  break_pending_ = true;
}

bool OffsetMap::empty() const {
  std::lock_guard lock(mu_);
  return runs_.empty();
}

}  // namespace strait::offsets
