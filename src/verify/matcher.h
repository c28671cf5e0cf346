// The heart of `strait verify`: matches one target partition's records to the source
// partition's offsets through their provenance headers, streaming both sides in step, and
// says which source records are missing, duplicated, out of order or different on the target,
// and how far that was checked. Pure: records come in as plain values, the source through a
// SourceCursor (a live consumer in verify/live.h, a vector in tests).
//
// Memory is bounded whatever the partition's size: the matcher holds one source record at a
// time and the gaps it has seen (as ranges), never the records themselves.
//
// A PartitionMatcher checks one partition once; not thread-safe (one owner thread).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/strong_types.h"
#include "provenance/provenance.h"

namespace strait::verify {

// A source record as the check needs it.
struct SourceRecord {
  SourceOffset offset;
  // False for a record the flow never copies: it has been on the target cluster already (a
  // loop), or it was mirrored into the source and the flow forwards only local records.
  bool mirrored = true;
  uint64_t digest = 0;  // RecordDigest of key, value and headers (provenance left out)
  int64_t timestamp_ms = 0;
};

// A target record. `upstream` is set only for records this flow copied (the provenance
// header's last hop is the flow's source); other records (local writers with identity naming,
// other flows) are counted and otherwise ignored.
struct TargetRecord {
  TargetOffset offset;
  std::optional<SourceOffset> upstream;
  uint64_t digest = 0;
  int64_t timestamp_ms = 0;
  // False when the target topic stamps its own time (LogAppendTime): timestamps then differ
  // by design.
  bool compare_timestamp = true;
};

// Whether the flow copies a source record, from the record's own provenance header: the same
// rule the data path applies (a record that has been on the target is never written back; with
// `forward: local`, a record mirrored into the source is not forwarded).
bool FlowCopies(const std::optional<provenance::Provenance>& provenance,
                uint64_t target_fingerprint, bool local_only);

// The source offset a target record was copied from, when this flow (source fingerprint)
// copied it.
std::optional<SourceOffset> CopiedFrom(const std::optional<provenance::Provenance>& provenance,
                                       uint64_t source_fingerprint);

// Hashes the parts of a record that mirroring keeps: key, value (null distinct from empty)
// and the headers in order. FNV-1a over a length-prefixed encoding.
class RecordDigest {
 public:
  void Add(std::optional<std::string_view> field);
  uint64_t value() const { return hash_; }

 private:
  void Bytes(std::string_view bytes);
  uint64_t hash_ = 14695981039346656037ULL;
};

// The source partition, in offset order.
class SourceCursor {
 public:
  virtual ~SourceCursor() = default;
  // Positions the cursor; called at most once, before the first Next().
  virtual Status Start(SourceOffset from) = 0;
  // The next record, or nullopt at the end of what is checked (the source's end when the
  // check began). An error ends the check of the partition.
  virtual Result<std::optional<SourceRecord>> Next() = 0;
};

struct MatchOptions {
  SourceOffset source_log_start;  // the source's log start offset when the check began
  // True: the target must hold every record from the source's log start on (the flow starts
  // at `earliest` and the target deleted nothing). False: checking starts at the first record
  // of this flow found on the target (start.offset latest, or retention on the target).
  bool from_source_start = true;
  // Gaps are kept as ranges until the end, so that a record found later is reported out of
  // order instead of missing. More separate gaps than this stop the check of the partition.
  size_t max_gaps = 100000;
  size_t max_examples = 5;  // per kind
};

// One thing found, for the report: a range of source offsets, and the target offset where
// the record was found (for everything but "missing").
struct Finding {
  enum class Kind { kMissing, kDuplicated, kOutOfOrder, kDifferent, kNotInSource };
  Kind kind = Kind::kMissing;
  SourceOffset first;
  SourceOffset last;
  std::optional<TargetOffset> target;
  std::string detail;
};
std::string_view FindingKindName(Finding::Kind kind);

struct PartitionCounts {
  int64_t target_records = 0;  // records of this flow read on the target
  int64_t other_records = 0;   // target records this flow did not copy
  int64_t matched = 0;
  int64_t missing = 0;
  int64_t duplicated = 0;
  int64_t out_of_order = 0;
  int64_t different = 0;      // same source offset, different key, value, headers or timestamp
  int64_t not_in_source = 0;  // an upstream offset the source does not hold
  int64_t before_source_start = 0;  // upstream below the source's log start: not checkable
  int64_t not_yet_mirrored = 0;     // source records after the last one mirrored
};

struct MatchResult {
  PartitionCounts counts;
  std::optional<SourceOffset> checked_from;   // first source offset the check covers
  std::optional<SourceOffset> last_mirrored;  // highest source offset found on the target
  std::optional<SourceOffset> first_not_mirrored;
  std::vector<Finding> findings;  // at most max_examples of each kind
  std::string note;               // what a reader needs to know about how it was checked
  Status error;                   // the check stopped early: the counts cover part of it
};

class PartitionMatcher {
 public:
  PartitionMatcher(SourceCursor* source, MatchOptions options);

  // Feeds the target's records in offset order. After an error, further calls do nothing
  // and Finish() reports it.
  void AddTarget(const TargetRecord& record);
  // Reads the rest of the source (what is not mirrored yet) and returns the result.
  MatchResult Finish();

  bool failed() const { return !result_.error.ok(); }

 private:
  struct Gap {
    int64_t first;
    int64_t last;
  };

  bool EnsureStarted(SourceOffset from);
  // Reads source records below `upstream` into gaps; leaves head_ at `upstream` or beyond.
  bool SkipTo(SourceOffset upstream);
  void Match(const TargetRecord& record, SourceOffset upstream);
  void Revisit(const TargetRecord& record, SourceOffset upstream);
  void NoteFallingUpstream(const TargetRecord& record, SourceOffset u);
  void CountNotYetMirrored();
  void AddGap(SourceOffset offset);
  void Note(Finding::Kind kind, SourceOffset first, SourceOffset last,
            std::optional<TargetOffset> target, std::string detail = "");
  void Fail(Status status);

  SourceCursor* source_;
  MatchOptions options_;
  MatchResult result_;
  bool started_ = false;
  bool source_done_ = false;
  std::optional<SourceRecord> head_;  // read from the source, not yet passed
  std::vector<Gap> gaps_;             // ascending, disjoint: unmatched mirrored source offsets
  std::vector<size_t> noted_;         // findings per kind
};

}  // namespace strait::verify
