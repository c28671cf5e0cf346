// Where MirrorMaker 2 stopped reading each source partition, as its MirrorSourceConnector
// stored it: Kafka Connect source offsets in the worker's offsets topic on the target
// ("mm2-offsets.<source alias>.internal" in dedicated mode). Each record there has a JSON key
//   ["MirrorSourceConnector",{"cluster":"dc1","partition":0,"topic":"orders"}]
// and a JSON value {"offset":41}: the offset of the last source record MirrorMaker 2 had
// copied and seen acknowledged when it committed (it resumes at 41 + 1). A null value
// deletes the entry (offsets reset). The newest record for a key wins.
//
// Pure parsing; Mm2SourceOffsets is a value type, not thread-safe (one owner).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/strong_types.h"
#include "kafka/types.h"

namespace strait::offsets {

// The name MirrorMaker 2's dedicated mode gives its source connector.
inline constexpr std::string_view kMm2SourceConnector = "MirrorSourceConnector";

// The offsets topic of the Connect worker that mirrors `source_alias` (MirrorMakerConfig).
std::string Mm2OffsetsTopic(std::string_view source_alias);

// One stored source offset. `last_copied` is nullopt for a deletion (a null value).
struct Mm2SourceOffset {
  std::string connector;
  std::string cluster;  // the source cluster alias
  kafka::TopicPartition partition;
  std::optional<SourceOffset> last_copied;
};

// Parses one record of the offsets topic; nullopt for records that are not a mirrored
// partition's offset (other connectors' keys, malformed JSON).
std::optional<Mm2SourceOffset> DecodeMm2SourceOffset(std::string_view key,
                                                     std::optional<std::string_view> value);

class Mm2SourceOffsets {
 public:
  // Keeps only the source connector's offsets for partitions of `source_alias`.
  Mm2SourceOffsets(std::string source_alias,
                   std::string connector = std::string(kMm2SourceConnector))
      : source_alias_(std::move(source_alias)), connector_(std::move(connector)) {}

  // One record of the offsets topic, in the topic's order (per key).
  void Apply(std::string_view key, std::optional<std::string_view> value);

  // The last source offset MirrorMaker 2 stored as copied, or nullopt.
  std::optional<SourceOffset> LastCopied(const std::string& topic, int32_t partition) const;
  size_t size() const { return stored_.size(); }

 private:
  std::string source_alias_;
  std::string connector_;
  std::map<kafka::TopicPartition, SourceOffset> stored_;
};

}  // namespace strait::offsets
