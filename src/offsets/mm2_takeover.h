// Taking over from MirrorMaker 2: where a flow continues on a remote partition that
// MirrorMaker 2 wrote and strait has not written to yet (flow key mm2.takeover).
//
// The answer is exact, per partition (docs/migrating-from-mm2.md):
//  1. MirrorMaker 2's stored position (mm2_source_offsets.h) says source offset N was copied.
//  2. MirrorMaker 2 may have copied more before it stopped. The target's last record is laid
//     against the source from N on (mm2_alignment.h): it is the copy of source offset M >= N.
//  3. strait continues at M + 1, into the same remote partition. Nothing MirrorMaker 2 wrote
//     is copied again, nothing after it is left out.
// The copies matched on the way (N..M) seed the partition's offset map, so that consumer
// groups positioned there translate exactly; older positions keep MirrorMaker 2's own
// translation (its checkpoints), see translator.h.
//
// Not thread-safe: the flow's control thread owns it. Reads through PartitionReaders, which
// tests replace with in-memory ones.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "base/strong_types.h"
#include "kafka/types.h"
#include "offsets/mm2_alignment.h"
#include "offsets/mm2_source_offsets.h"
#include "provenance/log_search.h"

namespace strait::offsets {

struct RemoteTail;  // the end of a remote partition, as read so far

// Reads one cluster's partitions as record digests.
class PartitionReader {
 public:
  virtual ~PartitionReader() = default;
  // NotFound when the topic does not exist.
  virtual Result<kafka::Watermarks> Bounds(const std::string& topic, int32_t partition) = 0;
  // The data records with offsets in [from, until), in offset order (no transaction markers;
  // for a read_committed reader no aborted records). Timestamps count only if asked.
  virtual Result<std::vector<RecordDigest>> Read(const std::string& topic, int32_t partition,
                                                 int64_t from, int64_t until,
                                                 bool with_timestamps) = 0;
  // Every record of every partition of `topic`, from the start to the current end: key and
  // value (nullopt: null). NotFound when the topic does not exist.
  using RecordFn = std::function<void(std::string_view key, std::optional<std::string_view> value)>;
  virtual Status Scan(const std::string& topic, const RecordFn& fn) = 0;
};

// A PartitionReader over a librdkafka consumer. `isolation_level` is "read_committed" or
// "read_uncommitted".
std::unique_ptr<PartitionReader> NewKafkaPartitionReader(kafka::Properties consumer_properties,
                                                         std::string name,
                                                         std::string isolation_level);

// Where a taken-over partition continues.
struct Mm2Resume {
  SourceOffset start;
  // (source, target) offsets of MirrorMaker 2's copies from its stored offset on.
  std::vector<std::pair<SourceOffset, TargetOffset>> copies;
  std::string detail;  // how the start was found, for the log
};

struct Mm2TakeoverOptions {
  std::string source_alias;
  std::string offsets_topic;  // MirrorMaker 2's Connect offsets topic on the target
  uint64_t source_fingerprint = 0;
  // With identity naming the remote topic has other writers, so strait's own records are
  // looked for in the whole log (`tails`), not only at its end.
  bool whole_log = false;
  // How many records past its stored offset MirrorMaker 2 may have copied; more is an error.
  int64_t max_records = 1000000;
};

class Mm2Takeover {
 public:
  // `source` reads the source cluster (read_uncommitted: MirrorMaker 2's default), `target`
  // the target (read_committed). `tails` is needed only with whole_log.
  Mm2Takeover(Mm2TakeoverOptions options, std::unique_ptr<PartitionReader> source,
              std::unique_ptr<PartitionReader> target,
              std::unique_ptr<provenance::LogSearch> tails);

  // nullopt when the partition is not MirrorMaker 2's to take over: strait already wrote
  // to it, or MirrorMaker 2 never copied anything of it. An error names the partition and
  // says what to do; the flow stops the partition and retries later.
  Result<std::optional<Mm2Resume>> Resume(const std::string& topic, int32_t partition,
                                          const std::string& remote);

 private:
  Status LoadStoredOffsets();
  Status ReadEnd(const std::string& remote, int32_t partition, RemoteTail* tail);
  Result<bool> StraitWroteTo(const std::string& remote, int32_t partition, const RemoteTail& tail);
  Result<Mm2Resume> Locate(const std::string& topic, int32_t partition, const std::string& remote,
                           std::optional<SourceOffset> stored, RemoteTail* tail);

  Mm2TakeoverOptions options_;
  std::unique_ptr<PartitionReader> source_;
  std::unique_ptr<PartitionReader> target_;
  std::unique_ptr<provenance::LogSearch> tails_;
  // MirrorMaker 2 is stopped before strait takes over, so its offsets are read once.
  std::optional<Mm2SourceOffsets> stored_;
};

}  // namespace strait::offsets
