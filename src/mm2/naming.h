// Remote topic names and which topics are never mirrored.
//
// Naming follows MirrorMaker 2's DefaultReplicationPolicy (`prefix`: "dc1.orders") or its
// IdentityReplicationPolicy (`identity`: "orders"), so that tooling which understands MM2's
// names understands strait's. Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"

namespace strait::mm2 {

// Kafka's and MirrorMaker 2's internal topics, and strait's own: "__*", ".*", "*.internal",
// "*-internal", "*.replica". Never mirrored, whatever the filter says.
bool IsInternalTopic(std::string_view topic);

// MirrorMaker 2's heartbeats topics: "heartbeats" and "<alias>.heartbeats" chains.
bool IsHeartbeatsTopic(std::string_view topic, std::string_view separator);

// How one flow names remote topics.
struct NamingContext {
  config::Naming naming = config::Naming::kPrefix;
  std::string separator = ".";
  std::string source_alias;
  std::string target_alias;
};

// The target-side name of `topic`, or nullopt when mirroring it would send it back to a
// cluster it came from (with prefix naming, "dc1.orders" is never mirrored to dc1).
std::optional<std::string> RemoteTopicName(const NamingContext& ctx, std::string_view topic);

// With prefix naming, the alias a topic name says it came from ("dc1.orders" -> "dc1"), or
// "" for a local topic. Follows MM2: the part before the first separator.
std::string TopicSource(std::string_view topic, std::string_view separator);

// The name a topic had on cluster `alias` before a prefix-named flow mirrored it from there
// ("dc2.orders" -> "orders" for dc2), or nullopt when its name does not say it came from
// `alias`. MM2's ReplicationPolicy.upstreamTopic for one hop.
std::optional<std::string> UpstreamTopicName(std::string_view topic, std::string_view alias,
                                             std::string_view separator);

}  // namespace strait::mm2
