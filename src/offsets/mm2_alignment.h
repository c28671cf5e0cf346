// Matching MirrorMaker 2's copies on the target with their originals on the source, for
// taking over a partition MirrorMaker 2 mirrored (mm2_takeover.h).
//
// MirrorMaker 2 marks nothing in the records it writes, but it copies each record's key,
// value, headers and timestamp unchanged, in source order, into the same partition number.
// So a record's content identifies it, and the end of a remote partition can be laid
// against the source: the target's last record is the copy of source offset M, and strait
// continues at M + 1.
//
// Two things MirrorMaker 2 does shape the match:
//  - it may have copied records past the offset it stored (at-least-once: it stores its
//    position every offset.flush.interval.ms), so M is found from the content, at or after
//    the stored offset, never taken from the stored offset alone;
//  - its producer is not idempotent (Kafka Connect turns idempotence off), so a retried
//    send can leave the same record twice in a row on the target; such a repeat is passed
//    over. Source records it did not copy (aborted transactions, when it read with
//    read_committed) are passed over too, and counted.
//
// Pure functions over digests, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strong_types.h"
#include "kafka/message.h"

namespace strait::offsets {

// A record reduced to what identifies it: two independent 64-bit hashes of its key, value,
// headers (in order, null and empty kept apart) and, when given, its timestamp.
struct RecordDigest {
  int64_t offset = 0;
  uint64_t hash[2] = {0, 0};
  bool log_append_time = false;  // the broker set the timestamp (not part of the copy)
  // The fingerprint of the cluster strait copied the record from (its provenance header),
  // 0 for a record strait did not write.
  uint64_t strait_upstream_cluster = 0;

  bool SameContent(const RecordDigest& other) const {
    return hash[0] == other.hash[0] && hash[1] == other.hash[1];
  }
};

RecordDigest DigestRecord(int64_t offset, std::optional<std::string_view> key,
                          std::optional<std::string_view> value,
                          const std::vector<kafka::HeaderView>& headers,
                          std::optional<int64_t> timestamp_ms);

struct AlignInput {
  // Source records in offset order, from `anchor` on (or from wherever reading started).
  std::span<const RecordDigest> source;
  // No source record after source.back() can be the copy: reading reached the end.
  bool source_complete = false;
  // The last records of the remote partition, in offset order, ending at its last record.
  std::span<const RecordDigest> target;
  // target.front() is the first record of the remote partition.
  bool target_complete = false;
  // A source offset MirrorMaker 2 is known to have copied (its stored offset): the match
  // must contain its copy. Without one, any source record may be passed over.
  std::optional<SourceOffset> anchor;
};

struct AlignResult {
  enum class Kind {
    kFound,
    kNeedSource,  // read further along the source
    kNeedTarget,  // read further back on the target
    kNoMatch,     // the target's end is no copy of this stretch of the source
  };
  Kind kind = Kind::kNoMatch;
  std::optional<SourceOffset> last_copied;  // the source offset of the target's last record
  // Source and target offsets of the copies matched, ascending: from the anchor's copy to
  // the target's last record.
  std::vector<std::pair<SourceOffset, TargetOffset>> copies;
  int64_t source_skipped = 0;  // source records in that stretch that are not on the target
  int64_t target_repeats = 0;  // target records that repeat their successor (retried sends)
};

// The first source record (lowest offset) whose content equals the target's last record and
// from which the target's end walks back, copy by copy, to the anchor.
AlignResult Align(const AlignInput& in);

}  // namespace strait::offsets
