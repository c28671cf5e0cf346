// The strait config import-mm2 writes (mm2_model.h), through yaml-cpp's emitter so that
// every value is quoted as YAML needs.
#include <yaml-cpp/yaml.h>

#include "migrate/mm2_model.h"

namespace strait::migrate {
namespace {

// bootstrap.servers first, the rest in the order MirrorMaker 2's file gave them.
void Properties(YAML::Emitter& e, const kafka::Properties& props) {
  for (bool bootstrap : {true, false}) {
    for (const auto& [k, v] : props) {
      if ((k == "bootstrap.servers") == bootstrap) e << YAML::Key << k << YAML::Value << v;
    }
  }
}

void Cluster(YAML::Emitter& e, const ClusterOut& c) {
  e << YAML::Key << c.alias << YAML::Value << YAML::BeginMap;
  Properties(e, c.common);
  for (auto [role, props] : {std::pair{"consumer", &c.consumer}, std::pair{"producer", &c.producer},
                             std::pair{"admin", &c.admin}}) {
    if (props->empty()) continue;
    e << YAML::Key << role << YAML::Value << YAML::BeginMap;
    Properties(e, *props);
    e << YAML::EndMap;
  }
  e << YAML::EndMap;
}

void List(YAML::Emitter& e, const char* key, const std::optional<std::vector<std::string>>& v) {
  if (!v) return;
  e << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const std::string& item : *v) e << YAML::SingleQuoted << item;
  e << YAML::EndSeq;
}

template <typename T>
void Value(YAML::Emitter& e, const char* key, const std::optional<T>& v,
           const char* comment = nullptr) {
  if (!v) return;
  e << YAML::Key << key << YAML::Value << *v;
  if (comment != nullptr) e << YAML::Comment(comment);
}

void Flow(YAML::Emitter& e, const FlowOut& f) {
  const FlowSettings& s = f.settings;
  e << YAML::BeginMap;
  e << YAML::Key << "source" << YAML::Value << f.source;
  e << YAML::Key << "target" << YAML::Value << f.target;
  List(e, "topics", s.topics);
  List(e, "topics.exclude", s.topics_exclude);
  Value(e, "naming", s.naming);
  Value(e, "separator", s.separator);
  List(e, "groups", s.groups);
  List(e, "groups.exclude", s.groups_exclude);
  Value(e, "start.offset", s.start_offset);
  Value(e, "replication.factor", s.replication_factor,
        s.mm2_default_replication_factor ? "MirrorMaker 2's default" : nullptr);
  Value(e, "sync.topic.configs", s.sync_topic_configs);
  List(e, "config.properties.exclude", s.config_exclude);
  Value(e, "refresh.interval.ms", s.refresh_ms);
  Value(e, "emit.checkpoints", s.emit_checkpoints);
  Value(e, "checkpoint.interval.ms", s.checkpoint_ms);
  Value(e, "sync.group.offsets", s.sync_group_offsets,
        s.mm2_default_sync_group_offsets ? "MirrorMaker 2's default" : nullptr);
  Value(e, "emit.heartbeats", s.emit_heartbeats);
  Value(e, "heartbeat.interval.ms", s.heartbeat_ms);
  Value(e, "sync.topic.acls", s.sync_topic_acls);
  Value(e, "sync.acls.interval.ms", s.acl_ms);
  e << YAML::Key << "mm2.takeover" << YAML::Value << true
    << YAML::Comment("continue where MirrorMaker 2 stopped");
  Value(e, "mm2.offsets.topic", s.offsets_topic);
  e << YAML::EndMap;
}

}  // namespace

std::string WriteStraitYaml(const std::vector<ClusterOut>& clusters,
                            const std::vector<FlowOut>& flows, const std::string& source_path) {
  YAML::Emitter e;
  e.SetBoolFormat(YAML::TrueFalseBool);
  e << YAML::Comment("strait config written by `strait import-mm2 " + source_path + "`");
  e << YAML::BeginMap;
  e << YAML::Key << "clusters" << YAML::Value << YAML::BeginMap;
  for (const ClusterOut& c : clusters) Cluster(e, c);
  e << YAML::EndMap;
  e << YAML::Key << "flows" << YAML::Value << YAML::BeginSeq;
  for (const FlowOut& f : flows) Flow(e, f);
  e << YAML::EndSeq;
  e << YAML::EndMap;
  return std::string(e.c_str()) + "\n";
}

}  // namespace strait::migrate
