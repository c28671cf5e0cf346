#include "offsets/translator.h"

#include <fmt/format.h>

#include <algorithm>

namespace strait::offsets {

Result<Translation> Translator::Forward(const std::string& remote_topic, PartitionId partition,
                                        SourceOffset n, const FlowProgress* flow) {
  STRAIT_ASSIGN_OR_RETURN(Translation t, AfterMirrored(remote_topic, partition, n, flow));
  if (remote_log_ != RemoteLog::kInterleaved || t.kind != Translation::Kind::kExact ||
      source_log_ == nullptr) {
    return t;
  }
  // Identity naming: the source topic has the remote topic's name.
  STRAIT_ASSIGN_OR_RETURN(std::optional<TargetOffset> own,
                          FirstOwnUnread(remote_topic, partition, n, t.offset));
  if (own && *own < t.offset) {
    t.note = fmt::format(
        "lowered from {} to the target's own record at {}, which the group has not read on the "
        "source; the mirrored records in between are read again",
        t.offset.value(), own->value());
    t.offset = *own;
  }
  return t;
}

Result<Translation> Translator::AfterMirrored(const std::string& remote_topic,
                                              PartitionId partition, SourceOffset n,
                                              const FlowProgress* flow) {
  const bool interleaved = remote_log_ == RemoteLog::kInterleaved;
  const OffsetMap* map = flow != nullptr ? flow->map : nullptr;
  const std::optional<SourceOffset> acked_next = flow != nullptr ? flow->acked_next : std::nullopt;
  if (flow != nullptr && !acked_next) {
    // A search now could read the watermark before the flow's first records land and the
    // tail after: it would answer "after everything", skipping what the group never read.
    return Translation{Translation::Kind::kAheadOfMirroring, TargetOffset(-1),
                       "the target has acknowledged no record of this partition yet"};
  }
  if (acked_next && n > *acked_next) {
    return Translation{
        Translation::Kind::kAheadOfMirroring, TargetOffset(-1),
        fmt::format("the group is at source offset {}, mirroring at {}", n, *acked_next)};
  }
  if (map != nullptr) {
    OffsetMap::Translation t = interleaved ? map->After(n) : map->Translate(n);
    if (t.coverage == OffsetMap::Coverage::kExact) {
      return Translation{Translation::Kind::kExact, t.target, ""};
    }
    // Past the last mirrored record, and (acked_next) nothing before n is missing: the
    // position is right after the last mirrored record.
    if (t.coverage == OffsetMap::Coverage::kAfterLast && acked_next) {
      return Translation{Translation::Kind::kExact, t.target, ""};
    }
  }
  std::optional<TargetOffset> from;
  if (after_mm2_) {
    STRAIT_ASSIGN_OR_RETURN(std::optional<provenance::LogSearch::FirstCopy> first,
                            FirstCopied(remote_topic, partition));
    bool before = !first || (first->after_others && n < first->record.upstream);
    if (before) {
      return Translation{
          Translation::Kind::kBeforeTakeover, TargetOffset(-1),
          first ? fmt::format("source offset {} is among what MirrorMaker 2 copied before "
                              "strait took over at source offset {}; its checkpoint stands",
                              n, first->record.upstream)
                : fmt::format("source offset {} is among what MirrorMaker 2 copied; its "
                              "checkpoint stands",
                              n)};
    }
    from = first->record.offset;
  }
  STRAIT_ASSIGN_OR_RETURN(
      provenance::SearchResult r,
      target_log_->FirstWithUpstreamAtLeast(remote_topic, partition.value(), n, source_fp_, from));
  if (!r.past_end) {
    return Translation{Translation::Kind::kExact, interleaved ? r.after_previous : r.target, ""};
  }
  if (!r.last_upstream) {
    return Translation{Translation::Kind::kNothingMirrored, r.target,
                       "no record of this partition has reached the target"};
  }
  Translation out{Translation::Kind::kExact, r.target, ""};
  if (!acked_next && n > *r.last_upstream + 1) {
    // Without the flow's knowledge the source records between may be transaction markers
    // (fine) or records that were never mirrored (lost with the source).
    out.note = fmt::format(
        "the group had read up to source offset {}; the target's last mirrored record is "
        "source offset {}: anything in between was not mirrored",
        n - 1, *r.last_upstream);
  }
  return out;
}

// The target's own records reach the source in their order (the reverse flow), so the group
// has read exactly those whose copies lie below n: the first unread one is the upstream of
// the first copy at or after n, or, when every copy is below n, the first own record after
// the last one copied (the reverse flow may lag).
Result<std::optional<TargetOffset>> Translator::FirstOwnUnread(const std::string& topic,
                                                               PartitionId partition,
                                                               SourceOffset n, TargetOffset limit) {
  const int32_t p = partition.value();
  STRAIT_ASSIGN_OR_RETURN(std::optional<provenance::MirroredRecord> next,
                          source_log_->NextFrom(topic, p, TargetOffset(n.value()), target_fp_));
  if (next) {
    // That record itself, unless retention deleted it on the target: a position before the
    // log start would send the group to its auto.offset.reset.
    return target_log_->NextNotFrom(topic, p, TargetOffset(next->upstream.value()), limit,
                                    source_fp_);
  }
  OwnScan& known = own_scans_[{topic, partition}];
  if (known.no_copies_before > 0) {
    // Nothing copied at or after n either: look only at what came since the last look.
    if (known.no_copies_before >= n.value()) return std::optional<TargetOffset>();
    STRAIT_ASSIGN_OR_RETURN(
        std::optional<provenance::MirroredRecord> since,
        source_log_->NextFrom(topic, p, TargetOffset(known.no_copies_before), target_fp_));
    if (!since) {
      known.no_copies_before = n.value();
      return std::optional<TargetOffset>();
    }
    known.no_copies_before = 0;  // copies began: the tail below finds them
  }
  STRAIT_ASSIGN_OR_RETURN(std::vector<provenance::PartitionTail> tails,
                          source_log_->Tails(topic, {p}, target_fp_));
  if (!tails.front().last_upstream) {
    // One way only so far: the group could not have read any of the target's own records,
    // which is the case the position after the last mirrored record is made for.
    known.no_copies_before = n.value();
    return std::optional<TargetOffset>();
  }
  int64_t from = tails.front().last_upstream->value() + 1;
  int64_t scan_from = from;
  if (known.own_free_from == from) scan_from = std::max(from, known.own_free_until);
  STRAIT_ASSIGN_OR_RETURN(
      std::optional<TargetOffset> own,
      target_log_->NextNotFrom(topic, p, TargetOffset(scan_from), limit, source_fp_));
  if (!own) {
    known.own_free_from = from;
    known.own_free_until = std::max(scan_from, limit.value());
  }
  return own;
}

Result<std::optional<provenance::LogSearch::FirstCopy>> Translator::FirstCopied(
    const std::string& remote_topic, PartitionId partition) {
  auto key = std::make_pair(remote_topic, partition);
  auto it = first_copied_.find(key);
  if (it != first_copied_.end()) {
    return std::optional<provenance::LogSearch::FirstCopy>(it->second);
  }
  STRAIT_ASSIGN_OR_RETURN(std::optional<provenance::LogSearch::FirstCopy> first,
                          target_log_->FirstCopied(remote_topic, partition.value(), source_fp_));
  if (first) first_copied_.emplace(key, *first);  // strait is the only writer from there on
  return first;
}

// The log read here is the source cluster's copy of records that came from the target, so
// in LogSearch's terms (a copy and its upstream) the copy's offsets are this flow's source
// offsets and the upstream offsets are the target's.
Result<Translation> Translator::Backward(const std::string& topic, PartitionId partition,
                                         SourceOffset c) {
  STRAIT_ASSIGN_OR_RETURN(
      std::optional<provenance::MirroredRecord> next,
      source_log_->NextFrom(topic, partition.value(), TargetOffset(c.value()), target_fp_));
  if (next) {
    return Translation{Translation::Kind::kExact, TargetOffset(next->upstream.value()), ""};
  }
  // Everything copied from the target was read: resume after the last copied record.
  STRAIT_ASSIGN_OR_RETURN(std::vector<provenance::PartitionTail> tails,
                          source_log_->Tails(topic, {partition.value()}, target_fp_));
  if (!tails.front().last_upstream) {
    return Translation{Translation::Kind::kNothingMirrored, TargetOffset(-1),
                       "no record of this partition came from the other cluster"};
  }
  return Translation{Translation::Kind::kExact,
                     TargetOffset(tails.front().last_upstream->value() + 1), ""};
}

}  // namespace strait::offsets
