// The exact mapping between source and target offsets of one mirrored partition, learnt
// from the target's acknowledgements as records are mirrored.
//
// Stored as runs: a run is a stretch where source and target offsets both advance by one
// per record. A topic mirrored from its first offset without gaps is a single run; every
// gap (compaction, transaction markers, aborted records, another writer on the target)
// starts a new one; so does a restart of the partition, whose gap is not trusted (Break).
// Upstream offsets only grow: a truncated source (Truncate) cuts the runs back first.
// The oldest runs are dropped past a bound; translations older than the map, or inside a
// gap across a restart, fall back to searching the target's log (log_search.h).
//
// Thread-safe: the data thread records, the offset-sync thread translates.
#pragma once

#include <deque>
#include <mutex>
#include <optional>

#include "base/strong_types.h"

namespace strait::offsets {

class OffsetMap {
 public:
  explicit OffsetMap(size_t max_runs = 4096) : max_runs_(max_runs) {}

  // One acknowledged record; calls come in increasing source and target offsets.
  void Record(SourceOffset upstream, TargetOffset target);
  // The partition starts again (after a stop or a producer reset): records may have reached
  // the target that the map never heard of, so a gap before the next record is not a gap
  // in the source (compaction, transaction markers) but unknown.
  void Break();
  // The source's log was truncated at `upstream` (an unclean leader election there) and
  // mirroring restarts there: what the map holds from `upstream` on are copies of records
  // the source lost, which a group reading the source now never saw. They are forgotten;
  // until the new records are mapped, a translation at or past `upstream` points after the
  // last copy (the target's end then), not back among the lost records.
  void Truncate(SourceOffset upstream);

  enum class Coverage {
    kExact,      // the first mirrored record with upstream offset >= n is at `target`
    kAfterLast,  // n is past every mirrored record; `target` is where the last one ends
    kUnknown,    // n is older than what this map remembers
  };
  struct Translation {
    Coverage coverage = Coverage::kUnknown;
    TargetOffset target;
  };
  // Where a consumer that would read source offset n next must read on the target.
  Translation Translate(SourceOffset n) const;
  // Right after the last mirrored record with upstream offset < n: where a consumer that
  // has read source offsets < n resumes on a target log that other writers interleave
  // (naming: identity). Translate() would jump over their records between that record and
  // the next mirrored one; this never does. kExact also when n is in a gap the map saw;
  // kUnknown when the record before n is older than the map or in a gap across a restart.
  Translation After(SourceOffset n) const;

  // The source offset of the first mirrored record at target offset >= t, for failback;
  // nullopt when t is outside the map.
  std::optional<SourceOffset> Reverse(TargetOffset t) const;

  bool empty() const;

 private:
  struct Run {
    int64_t upstream;
    int64_t target;
    int64_t length;
    bool after_break;  // the gap before it came with a restart: what is in it is unknown
  };
  const size_t max_runs_;
  mutable std::mutex mu_;
  std::deque<Run> runs_;        // guarded by mu_
  bool break_pending_ = false;  // guarded by mu_
  // Where the records recorded next begin at the earliest: after the last copy, including
  // copies a Truncate dropped. -1 before the first record. Guarded by mu_.
  int64_t target_end_ = -1;
};

}  // namespace strait::offsets
