// Topic config sync: which overrides a remote topic should carry.
//
// Follows MirrorMaker 2 (DefaultConfigPropertyFilter, use.defaults.from=target): a source
// topic's overrides are copied except the excluded keys; a key at its default on the source
// goes back to the target's default; the target keeps its own values for excluded keys.
// The remote topic is changed key by key (IncrementalAlterConfigs), so an operator's change
// to an excluded key is never overwritten by a stale full set. Pure functions, thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "kafka/types.h"
#include "replication/topic_filter.h"

namespace strait::replication {

using ConfigMap = std::map<std::string, std::string>;

// The topic-level overrides in a DescribeConfigs answer (source: dynamic topic config),
// leaving out read-only and sensitive entries.
ConfigMap TopicOverrides(const std::vector<kafka::ConfigEntry>& entries);

// The complete override set the remote topic should have.
ConfigMap DesiredRemoteConfigs(const ConfigMap& source_overrides, const ConfigMap& target_overrides,
                               const NameFilter& excluded);

// What turns `current` overrides into `desired` ones: keys to set and keys to remove.
kafka::ConfigChanges ConfigDiff(const ConfigMap& current, const ConfigMap& desired);

// The value of `name` whatever its source, or "" when absent.
std::string ConfigValue(const std::vector<kafka::ConfigEntry>& entries, const std::string& name);

}  // namespace strait::replication
