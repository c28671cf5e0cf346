#include "verify/matcher.h"

#include <fmt/format.h>

#include <algorithm>

namespace strait::verify {

bool FlowCopies(const std::optional<provenance::Provenance>& provenance,
                uint64_t target_fingerprint, bool local_only) {
  if (!provenance) return true;
  return !provenance->Visited(target_fingerprint) && !local_only;
}

std::optional<SourceOffset> CopiedFrom(const std::optional<provenance::Provenance>& provenance,
                                       uint64_t source_fingerprint) {
  if (!provenance || provenance->upstream_cluster() != source_fingerprint) return std::nullopt;
  return provenance->upstream_offset;
}

void RecordDigest::Bytes(std::string_view bytes) {
  for (char c : bytes) {
    hash_ ^= static_cast<uint8_t>(c);
    hash_ *= 1099511628211ULL;
  }
}

void RecordDigest::Add(std::optional<std::string_view> field) {
  // A length prefix keeps ("ab", "c") apart from ("a", "bc"); -1 marks null.
  int64_t size = field ? static_cast<int64_t>(field->size()) : -1;
  Bytes(std::string_view(reinterpret_cast<const char*>(&size), sizeof size));
  if (field) Bytes(*field);
}

std::string_view FindingKindName(Finding::Kind kind) {
  switch (kind) {
    case Finding::Kind::kMissing:
      return "missing";
    case Finding::Kind::kDuplicated:
      return "duplicated";
    case Finding::Kind::kOutOfOrder:
      return "out_of_order";
    case Finding::Kind::kDifferent:
      return "different";
    case Finding::Kind::kNotInSource:
      return "not_in_source";
  }
  return "unknown";
}

PartitionMatcher::PartitionMatcher(SourceCursor* source, MatchOptions options)
    : source_(source), options_(options), noted_(5, 0) {}

void PartitionMatcher::Fail(Status status) {
  if (result_.error.ok()) result_.error = std::move(status);
}

void PartitionMatcher::Note(Finding::Kind kind, SourceOffset first, SourceOffset last,
                            std::optional<TargetOffset> target, std::string detail) {
  size_t& n = noted_[static_cast<size_t>(kind)];
  if (n >= options_.max_examples) return;
  ++n;
  result_.findings.push_back({kind, first, last, target, std::move(detail)});
}

bool PartitionMatcher::EnsureStarted(SourceOffset from) {
  if (started_) return true;
  started_ = true;
  result_.checked_from = from;
  Status s = source_->Start(from);
  if (!s.ok()) Fail(s);
  return s.ok();
}

void PartitionMatcher::AddGap(SourceOffset offset) {
  int64_t o = offset.value();
  if (!gaps_.empty() && gaps_.back().last + 1 == o) {
    gaps_.back().last = o;
    return;
  }
  if (gaps_.size() >= options_.max_gaps) {
    Fail(Status(StatusCode::kResourceExhausted,
                fmt::format("more than {} separate gaps; stopped checking at source offset {}",
                            options_.max_gaps, o)));
    return;
  }
  gaps_.push_back({o, o});
}

bool PartitionMatcher::SkipTo(SourceOffset upstream) {
  while (true) {
    if (!head_) {
      if (source_done_) return true;
      Result<std::optional<SourceRecord>> next = source_->Next();
      if (!next.ok()) {
        Fail(next.status());
        return false;
      }
      if (!next->has_value()) {
        source_done_ = true;
        return true;
      }
      head_ = **next;
    }
    if (head_->offset >= upstream) return true;
    if (head_->mirrored) AddGap(head_->offset);
    head_.reset();
    if (failed()) return false;
  }
}

void PartitionMatcher::AddTarget(const TargetRecord& record) {
  if (failed()) return;
  if (!record.upstream) {
    ++result_.counts.other_records;
    return;
  }
  ++result_.counts.target_records;
  SourceOffset u = *record.upstream;
  if (result_.last_mirrored && u <= *result_.last_mirrored) {
    Revisit(record, u);
  } else {
    Match(record, u);
  }
}

void PartitionMatcher::Match(const TargetRecord& record, SourceOffset u) {
  PartitionCounts& n = result_.counts;
  if (!EnsureStarted(options_.from_source_start ? options_.source_log_start : u)) return;
  if (!SkipTo(u)) return;
  result_.last_mirrored = u;
  if (!head_ || head_->offset != u) {
    if (u < options_.source_log_start) {
      ++n.before_source_start;  // deleted at the source: nothing to compare with
    } else {
      ++n.not_in_source;
      Note(Finding::Kind::kNotInSource, u, u, record.offset);
    }
    return;
  }
  SourceRecord source = *head_;
  head_.reset();
  if (!source.mirrored) {
    ++n.different;
    Note(Finding::Kind::kDifferent, u, u, record.offset,
         "copied although the flow never copies it (it had been on the target, or is not local)");
    return;
  }
  ++n.matched;
  if (source.digest != record.digest) {
    ++n.different;
    Note(Finding::Kind::kDifferent, u, u, record.offset, "key, value or headers differ");
  } else if (record.compare_timestamp && source.timestamp_ms != record.timestamp_ms) {
    ++n.different;
    Note(Finding::Kind::kDifferent, u, u, record.offset,
         fmt::format("timestamp {} on the source, {} on the target", source.timestamp_ms,
                     record.timestamp_ms));
  }
}

// A source offset at or below the highest one already seen: either it filled a gap (the record
// came late) or it had been seen (a second copy).
void PartitionMatcher::Revisit(const TargetRecord& record, SourceOffset u) {
  PartitionCounts& n = result_.counts;
  if (u < options_.source_log_start) {
    ++n.before_source_start;
    return;
  }
  std::string after = fmt::format("after source offset {}", *result_.last_mirrored);
  if (u < *result_.checked_from) {
    ++n.out_of_order;
    Note(Finding::Kind::kOutOfOrder, u, u, record.offset, after);
    return;
  }
  int64_t o = u.value();
  auto it = std::upper_bound(gaps_.begin(), gaps_.end(), o,
                             [](int64_t v, const Gap& g) { return v < g.first; });
  if (it == gaps_.begin() || (it - 1)->last < o) {
    ++n.duplicated;
    Note(Finding::Kind::kDuplicated, u, u, record.offset);
    NoteFallingUpstream(record, u);
    return;
  }
  ++n.out_of_order;
  Note(Finding::Kind::kOutOfOrder, u, u, record.offset, after);
  Gap& gap = *(it - 1);
  if (gap.first == o && gap.last == o) {
    gaps_.erase(it - 1);
  } else if (gap.first == o) {
    ++gap.first;
  } else if (gap.last == o) {
    --gap.last;
  } else {
    Gap tail{o + 1, gap.last};
    gap.last = o - 1;
    gaps_.insert(it, tail);
  }
}

// The matcher reads the source once, forward, so it cannot tell a truncated source (the new
// leader's records copied after copies of records it lost) from second copies. It says so
// once, where it first sees upstream offsets fall.
void PartitionMatcher::NoteFallingUpstream(const TargetRecord& record, SourceOffset u) {
  if (!result_.note.empty() || u >= *result_.last_mirrored) return;
  result_.note = fmt::format(
      "upstream offsets go down at target offset {} (source offset {} after {}): if the "
      "source partition was truncated there (an unclean leader election; strait logs it and "
      "/status shows it as source_truncation), the copies of the records the source lost are "
      "reported as different or not in source, and the copies of its new records after them "
      "as duplicated",
      record.offset.value(), u.value(), result_.last_mirrored->value());
}

void PartitionMatcher::CountNotYetMirrored() {
  while (!failed()) {
    if (!head_) {
      if (source_done_) return;
      Result<std::optional<SourceRecord>> next = source_->Next();
      if (!next.ok()) return Fail(next.status());
      if (!next->has_value()) return;
      head_ = **next;
    }
    if (head_->mirrored) {
      if (!result_.first_not_mirrored) result_.first_not_mirrored = head_->offset;
      ++result_.counts.not_yet_mirrored;
    }
    head_.reset();
  }
}

MatchResult PartitionMatcher::Finish() {
  if (!failed()) {
    if (started_ || options_.from_source_start) {
      if (EnsureStarted(options_.source_log_start)) CountNotYetMirrored();
    } else {
      result_.note = "nothing of this flow on the target yet; the check starts at its first record";
    }
  }
  for (const Gap& g : gaps_) {
    result_.counts.missing += g.last - g.first + 1;
    Note(Finding::Kind::kMissing, SourceOffset(g.first), SourceOffset(g.last), std::nullopt);
  }
  std::stable_sort(result_.findings.begin(), result_.findings.end(),
                   [](const Finding& a, const Finding& b) { return a.first < b.first; });
  return std::move(result_);
}

}  // namespace strait::verify
