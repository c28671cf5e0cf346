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
  STRAIT_ASSIGN_OR_RETURN(provenance::SearchResult r, target_log_->FirstWithUpstreamAtLeast(
                                              remote_topic, partition, n, source_fp_));
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

Result<Translation> Translator::Backward(const std::string& topic, int32_t partition, int64_t c) {
  STRAIT_ASSIGN_OR_RETURN(std::optional<provenance::MirroredRecord> next,
                          source_log_->NextFrom(topic, partition, TargetOffset(c), target_fp_));
  if (next) return Translation{Translation::Kind::kExact, next->upstream.value(), ""};
  // Everything copied from the target was read: resume after the last copied record.
  STRAIT_ASSIGN_OR_RETURN(std::vector<provenance::PartitionTail> tails,
                          source_log_->Tails(topic, {partition}, target_fp_));
  if (!tails.front().last_upstream) {
    return Translation{Translation::Kind::kNothingMirrored, -1,
                       "no record of this partition came from the other cluster"};
  }
  return Translation{Translation::Kind::kExact, tails.front().last_upstream->value() + 1, ""};
}

}  // namespace strait::offsets
