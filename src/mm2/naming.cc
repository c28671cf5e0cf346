#include "mm2/naming.h"

namespace strait::mm2 {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

bool IsInternalTopic(std::string_view topic) {
  return topic.rfind("__", 0) == 0 || topic.rfind('.', 0) == 0 || EndsWith(topic, ".internal") ||
         EndsWith(topic, "-internal") || EndsWith(topic, ".replica");
}

bool IsHeartbeatsTopic(std::string_view topic, std::string_view separator) {
  std::string suffix = std::string(separator) + "heartbeats";
  return topic == "heartbeats" || EndsWith(topic, suffix);
}

std::string TopicSource(std::string_view topic, std::string_view separator) {
  size_t pos = topic.find(separator);
  return pos == std::string_view::npos ? "" : std::string(topic.substr(0, pos));
}

std::optional<std::string> UpstreamTopicName(std::string_view topic, std::string_view alias,
                                             std::string_view separator) {
  const size_t prefix = alias.size() + separator.size();
  if (topic.size() <= prefix || topic.substr(0, alias.size()) != alias ||
      topic.substr(alias.size(), separator.size()) != separator) {
    return std::nullopt;
  }
  return std::string(topic.substr(prefix));
}

std::optional<std::string> RemoteTopicName(const NamingContext& ctx, std::string_view topic) {
  // Heartbeats are prefixed even with identity naming, as MM2's IdentityReplicationPolicy
  // does: their names are how tools discover the replication topology.
  if (ctx.naming == config::Naming::kIdentity && !IsHeartbeatsTopic(topic, ctx.separator)) {
    return std::string(topic);
  }
  // MM2's isCycle: follow the prefix chain; a topic that has been on the target already
  // must not go back there.
  std::string_view rest = topic;
  while (true) {
    std::string source = TopicSource(rest, ctx.separator);
    if (source.empty()) break;
    if (source == ctx.target_alias) return std::nullopt;
    rest = rest.substr(source.size() + ctx.separator.size());
  }
  return ctx.source_alias + ctx.separator + std::string(topic);
}

}  // namespace strait::mm2
