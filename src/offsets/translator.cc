#include "offsets/translator.h"

#include <fmt/format.h>

namespace strait::offsets {

Result<Translation> Translator::Forward(const std::string& remote_topic, PartitionId partition,
                                        SourceOffset n, const FlowProgress* flow) {
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
    OffsetMap::Translation t = map->Translate(n);
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
  if (!r.past_end) return Translation{Translation::Kind::kExact, r.target, ""};
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
