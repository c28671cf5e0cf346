// Reading a mirrored partition's log to learn where source offsets landed, from the
// provenance headers (provenance.h) of the records themselves:
//  - Tails(): where a flow stopped writing (the last record copied from a source), for resume;
//  - FirstWithUpstreamAtLeast(): where a consumer that would read source offset n next must
//    read on the target, by binary search, for translations older than offsets::OffsetMap;
//    it refuses (CheckUpstreamGrows) when the records it reads show upstream offsets going
//    down, which a truncated source leaves behind;
//  - NextFrom(): the first record at or after a target offset that came from a cluster, for
//    translating back (failback); NextNotFrom(): the first that did not (another writer's);
//  - Last(): the newest record of a partition (the newest heartbeat that arrived);
//  - FirstCopied(): where strait's records begin after a takeover from MirrorMaker 2.
//
// Owns one consumer, created on first use. Not thread-safe: one owner thread.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/strong_types.h"
#include "kafka/consumer.h"
#include "kafka/types.h"

namespace strait::provenance {

struct PartitionTail {
  int32_t partition = 0;
  bool has_records = false;                   // anything between log start and end
  std::optional<SourceOffset> last_upstream;  // the last record copied from the source
  std::optional<TargetOffset> last_offset;    // where that record is
  // The source topic of that record (Provenance::source_topic; 0 when not known).
  uint64_t last_source_topic = 0;
  // The log start offset, read while searching back for a record copied from the source
  // (-1 when not read). With no such record, above 0 says the partition held records that
  // are gone (retention, deleted records).
  int64_t log_start = -1;
  // Tails(..., Unanswered::kLeave): the leader did not give the partition's bounds (a
  // partition just created has none for a while); nothing else is known. Ask again later.
  bool unanswered = false;
};

// What Tails does with partitions whose bounds the leaders did not give within a few
// seconds: read them anyway (waiting for their leaders, up to the timeout), or leave them
// marked `unanswered` so that the caller can go on with the others.
enum class Unanswered { kRead, kLeave };

struct MirroredRecord {
  TargetOffset offset;
  SourceOffset upstream;
};

// A copy of one record, for callers that outlive the consumer's message.
struct StoredRecord {
  TargetOffset offset;
  int64_t timestamp_ms = 0;
  std::optional<std::string> key, value;
};

struct SearchResult {
  // No record copied from the source has upstream offset >= n (n is past what was
  // mirrored); `target` is then just after the last such record (or the log start).
  bool past_end = false;
  TargetOffset target;
  std::optional<SourceOffset> last_upstream;  // when past_end: the last record mirrored
  // Just after the last record copied from the source with upstream offset < n (the
  // search's start when there is none): where a consumer that read the source up to n
  // resumes when other writers' records sit between mirrored ones (naming: identity).
  TargetOffset after_previous;
};

// A failed precondition when upstream offsets do not grow with target offsets among
// `probes` (records copied from one source, in any order): the source was truncated and the
// target holds copies of records it lost before the copies of what replaced them.
Status CheckUpstreamGrows(const std::string& topic, int32_t partition,
                          std::vector<MirroredRecord> probes);

class LogSearch {
 public:
  LogSearch(kafka::Properties consumer_properties, std::string name,
            std::chrono::milliseconds timeout = std::chrono::seconds(60));
  ~LogSearch();

  // `widen`: look further back than the last record when it is not from the source.
  Result<std::vector<PartitionTail>> Tails(const std::string& topic,
                                           const std::vector<int32_t>& partitions,
                                           uint64_t source_fingerprint, bool widen = true);
  // The same for partitions of any number of topics at once, which is what makes a start
  // with thousands of partitions quick: the bounds of every partition come from two
  // ListOffsets lookups, partitions without records (a new remote topic) are not read at
  // all, and the others are read together, one consumer fetching from all of them.
  Result<std::map<kafka::TopicPartition, PartitionTail>> Tails(
      const std::vector<kafka::TopicPartition>& partitions, uint64_t source_fingerprint,
      bool widen = true, Unanswered unanswered = Unanswered::kRead);
  Result<std::optional<MirroredRecord>> NextFrom(const std::string& topic, int32_t partition,
                                                 TargetOffset from, uint64_t source_fingerprint);
  // The first record in [from, until) not copied from the source (written on the target or
  // copied from elsewhere), or nullopt. Reads every record in between.
  Result<std::optional<TargetOffset>> NextNotFrom(const std::string& topic, int32_t partition,
                                                  TargetOffset from, TargetOffset until,
                                                  uint64_t source_fingerprint);
  // The last record of a partition, or nullopt when it is empty.
  Result<std::optional<StoredRecord>> Last(const std::string& topic, int32_t partition);
  // `from`: search only at and after this target offset (default: the log start).
  Result<SearchResult> FirstWithUpstreamAtLeast(const std::string& topic, int32_t partition,
                                                SourceOffset n, uint64_t source_fingerprint,
                                                std::optional<TargetOffset> from = std::nullopt);
  // The first record copied from the source in a partition whose earlier records someone
  // else wrote (MirrorMaker 2, before a takeover) and whose later ones strait wrote: a binary
  // search that reads one record per step. nullopt while strait has written nothing there.
  struct FirstCopy {
    MirroredRecord record;
    bool after_others = false;  // other records precede it
  };
  Result<std::optional<FirstCopy>> FirstCopied(const std::string& topic, int32_t partition,
                                               uint64_t source_fingerprint);

 private:
  Result<kafka::Consumer*> GetConsumer();
  // Which records FirstFrom() stops at.
  enum class Want { kAny, kCopied, kNotCopied };
  // The first record at or after `from` that is what `want` asks for, or nullopt at the end
  // of the log or at `until`.
  struct Probe {
    TargetOffset offset;
    std::optional<SourceOffset> upstream;  // set when copied from the source
  };
  Result<std::optional<Probe>> FirstFrom(const std::string& topic, int32_t partition,
                                         TargetOffset from, uint64_t source_fingerprint, Want want,
                                         std::optional<TargetOffset> until = std::nullopt);

  kafka::Properties properties_;
  std::string name_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<kafka::Consumer> consumer_;
};

}  // namespace strait::provenance
