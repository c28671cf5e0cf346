// The pieces import-mm2 (mm2_import.h) builds before it writes YAML: strait clusters and
// flows with the settings a MirrorMaker 2 file gave them, and the translation of single
// keys. Internal to the migrate library. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kafka/types.h"
#include "migrate/mm2_import.h"

namespace strait::migrate {

// A flow's settings; unset ones keep strait's default.
struct FlowSettings {
  std::optional<std::vector<std::string>> topics, topics_exclude, groups, groups_exclude,
      config_exclude;
  std::optional<std::string> naming, separator, start_offset, offsets_topic;
  std::optional<bool> sync_topic_configs, emit_checkpoints, sync_group_offsets, emit_heartbeats,
      sync_topic_acls;
  std::optional<int64_t> replication_factor, refresh_ms, checkpoint_ms, heartbeat_ms, acl_ms;
  // Set from MirrorMaker 2's defaults, not from the file: said so in the YAML.
  bool mm2_default_sync_group_offsets = false;
  bool mm2_default_replication_factor = false;
};

struct FlowOut {
  std::string source, target;
  FlowSettings settings;
};

struct ClusterOut {
  std::string alias;
  kafka::Properties common, consumer, producer, admin;
  std::optional<std::string> start_offset;  // from consumer auto.offset.reset
};

// A client property as MirrorMaker 2 would use it, with the line it came from.
struct ClientValue {
  std::string value;
  int line = 0;
  std::string written_key;  // the key as it appears in the file, for the report
};
using ClientMap = std::map<std::string, ClientValue>;  // Java client property name -> value

enum class Role { kCommon, kConsumer, kProducer, kAdmin };

// Java client properties of one role of one cluster -> librdkafka properties in `out`.
// Keys with no librdkafka equivalent go to `skipped`; a consumer's auto.offset.reset sets
// `cluster->start_offset`.
void TranslateClient(const ClientMap& in, Role role, const PropertyCheck& check,
                     kafka::Properties* out, ClusterOut* cluster,
                     std::vector<Untranslated>* skipped);

// MirrorMaker 2's client security settings (MirrorClientConfig.CLIENT_CONFIG_DEF): the only
// cluster-level keys it passes to every client, and the only top-level client keys it reads.
bool IsClusterClientKey(const std::string& key);

// A connector setting (topics, groups, emit.checkpoints.enabled, ...) applied to `s`.
// Returns "" when translated (a setting strait has no need for, equal to its behaviour,
// counts as translated), else the reason it is not. nullopt: not a connector setting.
std::optional<std::string> ApplyConnectorKey(const std::string& key, const std::string& value,
                                             FlowSettings* s);

// Why a Kafka Connect worker setting has no strait equivalent, or nullopt when `key` is not
// one.
std::optional<std::string> WorkerKeyReason(const std::string& key);

// Every MirrorMaker 2 connector and worker key name, for "did you mean" hints.
const std::vector<std::string>& KnownMm2Keys();

// MirrorMaker 2 lists: comma-separated, items trimmed, empty items dropped.
std::vector<std::string> SplitList(const std::string& value);
std::string Trim(const std::string& s);

// The YAML strait reads (config/config.h) for these clusters and flows.
std::string WriteStraitYaml(const std::vector<ClusterOut>& clusters,
                            const std::vector<FlowOut>& flows, const std::string& source_path);

}  // namespace strait::migrate
