// Exact translation of a consumer position between a source and a target cluster.
//
// Forward: a group that committed source offset n must resume on the target at the first
// record whose upstream offset is >= n. The flow's OffsetMap answers for what this process
// mirrored; older positions are found by binary search over the target's log.
// Backward (failback): a position in a topic that came *from* the other cluster maps to the
// upstream offset of the first record at or after it.
//
// Not thread-safe: one owner thread (it drives LogSearch consumers).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "base/status.h"
#include "offsets/offset_map.h"
#include "provenance/log_search.h"

namespace strait::offsets {

struct Translation {
  enum class Kind {
    kExact,
    // The group has read source records that are not on the target yet; translating now
    // would skip them. Retried later (the flow) or reported (the CLI).
    kAheadOfMirroring,
    kNothingMirrored,  // no record of the partition reached the target yet
    // The position is among the records MirrorMaker 2 copied before strait took over
    // (mm2.takeover), older than what strait can translate exactly: MirrorMaker 2's own
    // checkpoint for it stands.
    kBeforeTakeover,
  };
  Kind kind = Kind::kExact;
  TargetOffset offset{-1};  // the translated position on the target, for kExact
  std::string note;         // for a person: why not exact
};

// What the running flow knows of a mirrored partition.
struct FlowProgress {
  const OffsetMap* map = nullptr;          // what this process mirrored (may be null)
  std::optional<SourceOffset> acked_next;  // nullopt: the target acknowledged nothing yet
};

class Translator {
 public:
  // `target_log` reads the cluster positions are translated to; `source_log` reads the
  // cluster they come from (for Backward). Either may be null if that direction is unused.
  // `after_mm2`: the remote topics begin with MirrorMaker 2's copies (mm2.takeover).
  Translator(provenance::LogSearch* target_log, provenance::LogSearch* source_log,
             uint64_t source_fingerprint, uint64_t target_fingerprint, bool after_mm2 = false)
      : target_log_(target_log),
        source_log_(source_log),
        source_fp_(source_fingerprint),
        target_fp_(target_fingerprint),
        after_mm2_(after_mm2) {}

  // `flow`: what the running flow knows, or null when nothing runs (the CLI after a
  // disaster: positions past the last mirrored record then translate to the end of what
  // was mirrored, with a note). While the flow has had nothing of the partition
  // acknowledged, the target's log is still being written and cannot answer: the group
  // waits (kAheadOfMirroring).
  Result<Translation> Forward(const std::string& remote_topic, PartitionId partition,
                              SourceOffset n, const FlowProgress* flow);

  // `topic` on the source holds records copied from the target; c is a committed position
  // in it. Returns the position in the original topic on the target.
  Result<Translation> Backward(const std::string& topic, PartitionId partition, SourceOffset c);

 private:
  // After a takeover: where strait's own records begin (cached once found), or nullopt
  // while strait has written nothing to the partition.
  Result<std::optional<provenance::LogSearch::FirstCopy>> FirstCopied(
      const std::string& remote_topic, PartitionId partition);

  provenance::LogSearch* target_log_;
  provenance::LogSearch* source_log_;
  uint64_t source_fp_;
  uint64_t target_fp_;
  bool after_mm2_;
  std::map<std::pair<std::string, PartitionId>, provenance::LogSearch::FirstCopy> first_copied_;
};

}  // namespace strait::offsets
