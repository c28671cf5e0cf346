#include "offsets/translator.h"

#include <fmt/format.h>

namespace strait::offsets {

Result<Translation> Translator::Forward(const std::string& remote_topic, int32_t partition,
                                        SourceOffset n, const OffsetMap* map,
                                        std::optional<int64_t> acked_next) {
  if (acked_next && n.value() > *acked_next) {
    return Translation{Translation::Kind::kAheadOfMirroring, -1,
                       fmt::format("the group is at source offset {}, mirroring at {}", n.value(),
                                   *acked_next)};
  }
  if (map != nullptr) {
    OffsetMap::Translation t = map->Translate(n);
    if (t.coverage == OffsetMap::Coverage::kExact) {
      return Translation{Translation::Kind::kExact, t.target.value(), ""};
    }
    // Past the last mirrored record, and (acked_next) nothing before n is missing: the
    // position is right after the last mirrored record.
    if (t.coverage == OffsetMap::Coverage::kAfterLast && acked_next) {
      return Translation{Translation::Kind::kExact, t.target.value(), ""};
    }
  }
  std::optional<TargetOffset> from;
  if (after_mm2_) {
    STRAIT_ASSIGN_OR_RETURN(std::optional<LogSearch::FirstCopy> first,
                            FirstCopied(remote_topic, partition));
    bool before = !first || (first->after_others && n < first->record.upstream);
    if (before) {
      return Translation{
          Translation::Kind::kBeforeTakeover, -1,
          first ? fmt::format("source offset {} is among what MirrorMaker 2 copied before "
                              "strait took over at source offset {}; its checkpoint stands",
                              n.value(), first->record.upstream.value())
                : fmt::format("source offset {} is among what MirrorMaker 2 copied; its "
                              "checkpoint stands", n.value())};
    }
    from = first->record.offset;
  }
  STRAIT_ASSIGN_OR_RETURN(SearchResult r, target_log_->FirstWithUpstreamAtLeast(
                                              remote_topic, partition, n, source_fp_, from));
  if (!r.past_end) return Translation{Translation::Kind::kExact, r.target.value(), ""};
  if (!r.last_upstream) {
    return Translation{Translation::Kind::kNothingMirrored, r.target.value(),
                       "no record of this partition has reached the target"};
  }
  Translation out{Translation::Kind::kExact, r.target.value(), ""};
  if (!acked_next && n.value() > r.last_upstream->value() + 1) {
    // Without the flow's knowledge the source records between may be transaction markers
    // (fine) or records that were never mirrored (lost with the source).
    out.note = fmt::format("the group had read up to source offset {}; the target's last "
                           "mirrored record is source offset {}: anything in between was not "
                           "mirrored", n.value() - 1, r.last_upstream->value());
  }
  return out;
}

Result<std::optional<LogSearch::FirstCopy>> Translator::FirstCopied(
    const std::string& remote_topic, int32_t partition) {
  auto key = std::make_pair(remote_topic, partition);
  auto it = first_copied_.find(key);
  if (it != first_copied_.end()) return std::optional<LogSearch::FirstCopy>(it->second);
  STRAIT_ASSIGN_OR_RETURN(std::optional<LogSearch::FirstCopy> first,
                          target_log_->FirstCopied(remote_topic, partition, source_fp_));
  if (first) first_copied_.emplace(key, *first);  // strait is the only writer from there on
  return first;
}

Result<Translation> Translator::Backward(const std::string& topic, int32_t partition, int64_t c) {
  STRAIT_ASSIGN_OR_RETURN(std::optional<MirroredRecord> next,
                          source_log_->NextFrom(topic, partition, TargetOffset(c), target_fp_));
  if (next) return Translation{Translation::Kind::kExact, next->upstream.value(), ""};
  // Everything copied from the target was read: resume after the last copied record.
  STRAIT_ASSIGN_OR_RETURN(std::vector<PartitionTail> tails,
                          source_log_->Tails(topic, {partition}, target_fp_));
  if (!tails.front().last_upstream) {
    return Translation{Translation::Kind::kNothingMirrored, -1,
                       "no record of this partition came from the other cluster"};
  }
  return Translation{Translation::Kind::kExact, tails.front().last_upstream->value() + 1, ""};
}

}  // namespace strait::offsets
