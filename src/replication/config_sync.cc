#include "replication/config_sync.h"

namespace strait::replication {

ConfigMap TopicOverrides(const std::vector<kafka::ConfigEntry>& entries) {
  ConfigMap out;
  for (const kafka::ConfigEntry& e : entries) {
    if (e.source != kafka::ConfigSource::kDynamicTopic || e.read_only || e.sensitive || !e.value) {
      continue;
    }
    out[e.name] = *e.value;
  }
  return out;
}

ConfigMap DesiredRemoteConfigs(const ConfigMap& source_overrides, const ConfigMap& target_overrides,
                               const NameFilter& excluded) {
  ConfigMap desired;
  for (const auto& [k, v] : source_overrides) {
    if (!excluded.Matches(k)) desired[k] = v;
  }
  for (const auto& [k, v] : target_overrides) {
    if (excluded.Matches(k)) desired[k] = v;
  }
  return desired;
}

kafka::ConfigChanges ConfigDiff(const ConfigMap& current, const ConfigMap& desired) {
  kafka::ConfigChanges changes;
  for (const auto& [k, v] : desired) {
    auto it = current.find(k);
    if (it == current.end() || it->second != v) changes.set[k] = v;
  }
  for (const auto& [k, v] : current) {
    if (desired.count(k) == 0) changes.remove.push_back(k);
  }
  return changes;
}

std::string ConfigValue(const std::vector<kafka::ConfigEntry>& entries, const std::string& name) {
  for (const kafka::ConfigEntry& e : entries) {
    if (e.name == name) return e.value.value_or("");
  }
  return "";
}

}  // namespace strait::replication
