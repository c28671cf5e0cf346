// MirrorMaker 2's internal record formats, byte for byte, so that MM2's client utilities
// (RemoteClusterUtils.translateOffsets, MirrorClient.upstreamClusters) and the tools built on
// them read what strait writes. Kafka protocol encoding, big-endian: STRING is an int16
// length and UTF-8 bytes; no field tags. The layouts are those of Checkpoint.java and
// Heartbeat.java in Kafka's connect/mirror-client; only version 0 exists of either:
//   Checkpoint  key: group STRING, topic STRING, partition INT32
//               value: version INT16 = 0, upstream offset INT64, downstream offset INT64,
//                      metadata STRING ("" when the commit had none)
//   Heartbeat   key: source alias STRING, target alias STRING
//               value: version INT16 = 0, timestamp INT64 (epoch ms, also the record's)
// A STRING holds at most 32,767 bytes; the encoders refuse a longer one (InvalidArgument)
// rather than write a wrapped length. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace strait::mm2 {

// A checkpoint: a group's committed offset on the source, translated to the target.
// Written to "<source alias>.checkpoints.internal" on the target, partition 0.
struct Checkpoint {
  std::string group;
  std::string topic;  // the target-side topic name
  int32_t partition = 0;
  int64_t upstream_offset = 0;    // the offset committed on the source
  int64_t downstream_offset = 0;  // the same position on the target
  std::string metadata;
};

Result<std::string> EncodeCheckpointKey(const Checkpoint& c);
Result<std::string> EncodeCheckpointValue(const Checkpoint& c);
std::optional<Checkpoint> DecodeCheckpoint(std::string_view key, std::string_view value);

// A heartbeat: a flow is alive. Written to "heartbeats", partition 0, every second.
struct Heartbeat {
  std::string source_alias;
  std::string target_alias;
  int64_t timestamp_ms = 0;
};

Result<std::string> EncodeHeartbeatKey(const Heartbeat& h);
std::string EncodeHeartbeatValue(const Heartbeat& h);  // no strings: always encodable
std::optional<Heartbeat> DecodeHeartbeat(std::string_view key, std::string_view value);

// "<source>.checkpoints.internal", as MM2's DefaultReplicationPolicy names it.
std::string CheckpointsTopic(std::string_view source_alias, std::string_view separator);
inline constexpr std::string_view kHeartbeatsTopic = "heartbeats";

}  // namespace strait::mm2
