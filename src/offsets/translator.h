// Exact translation of a consumer position between a source and a target cluster.
//
// Forward: a group that committed source offset n must resume on the target at the first
// record whose upstream offset is >= n. The flow's OffsetMap answers for what this process
// mirrored; older positions are found by binary search over the target's log.
// Backward (failback): a position in a topic that came *from* the other cluster maps to the
// upstream offset of the first record at or after it.
//
// With naming: identity the target topic also holds the target's own records between the
// mirrored ones (RemoteLog::kInterleaved), and "the first record with upstream >= n" would
// jump over those the group never read. There the position is instead right after the last
// mirrored record the group read, and no later than the first of the target's own records
// that the group has not read as a copy on the source (when the target's records are
// mirrored back, identity both ways). Never past a record the group has not read: when
// unsure, lower (records read again), never higher.
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

// What the remote topic holds besides this flow's copies.
enum class RemoteLog {
  kMirroredOnly,  // naming: prefix, strait the only writer
  kInterleaved,   // naming: identity, the target's own records (and other flows') between
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
             uint64_t source_fingerprint, uint64_t target_fingerprint, bool after_mm2 = false,
             RemoteLog remote_log = RemoteLog::kMirroredOnly)
      : target_log_(target_log),
        source_log_(source_log),
        source_fp_(source_fingerprint),
        target_fp_(target_fingerprint),
        after_mm2_(after_mm2),
        remote_log_(remote_log) {}

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
  using Key = std::pair<std::string, PartitionId>;
  // Forward() before the bound of the target's own records.
  Result<Translation> AfterMirrored(const std::string& remote_topic, PartitionId partition,
                                    SourceOffset n, const FlowProgress* flow);
  // With identity naming both ways: the first of the target's own records below `limit`
  // that the group, at source offset n, has not read as a copy on the source; nullopt when
  // there is none, or when nothing of the target's was ever copied to the source.
  Result<std::optional<TargetOffset>> FirstOwnUnread(const std::string& topic,
                                                     PartitionId partition, SourceOffset n,
                                                     TargetOffset limit);
  // After a takeover: where strait's own records begin (cached once found), or nullopt
  // while strait has written nothing to the partition.
  Result<std::optional<provenance::LogSearch::FirstCopy>> FirstCopied(
      const std::string& remote_topic, PartitionId partition);

  provenance::LogSearch* target_log_;
  provenance::LogSearch* source_log_;
  uint64_t source_fp_;
  uint64_t target_fp_;
  bool after_mm2_;
  RemoteLog remote_log_;
  std::map<Key, provenance::LogSearch::FirstCopy> first_copied_;
  // What FirstOwnUnread() learnt, so that later rounds read only what is new. Both logs only
  // grow, so what was found absent stays absent.
  struct OwnScan {
    // The source holds no copy of the target's records below this offset.
    int64_t no_copies_before = 0;
    // Target offsets [own_free_from, own_free_until) hold only copies from the source.
    int64_t own_free_from = -1;
    int64_t own_free_until = -1;
  };
  std::map<Key, OwnScan> own_scans_;
};

}  // namespace strait::offsets
