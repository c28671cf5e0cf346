// The flow fingerprint instances of a group compare (config.h).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include "base/hash.h"
#include "config/config.h"

namespace strait::config {

uint64_t FlowFingerprint(const FlowConfig& f) {
  // Only what decides which records go where, with which headers: settings of pace
  // (intervals, budgets) may differ between instances during a rolling change.
  const std::string text = fmt::format(
      "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", f.source, f.target, fmt::join(f.topics, ","),
      fmt::join(f.topics_exclude, ","), static_cast<int>(f.naming), static_cast<int>(f.forward),
      f.separator, f.provenance_headers, static_cast<int>(f.start_offset), f.replication_factor,
      f.sync_topic_configs, fmt::join(f.config_properties_exclude, ","), f.adopt_existing_topics,
      f.mm2_takeover);
  return Fnv1a(text);
}

std::string DefaultInstanceId(const HttpConfig& http) {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  std::string id = host[0] != '\0' ? host : "strait";
  for (char& c : id) {
    if (!isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '-';
  }
  return fmt::format("{}-{}", id, http.enabled ? http.port : 0);
}

}  // namespace strait::config
