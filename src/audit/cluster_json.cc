#include "audit/cluster_json.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "audit/yaml_input.h"

namespace strait::audit {
namespace {

using internal::FileReader;
using internal::Join;
using nlohmann::ordered_json;

ordered_json OptionalIds(const std::optional<std::vector<BrokerId>>& ids) {
  return ids.has_value() ? ordered_json(*ids) : ordered_json(nullptr);
}

ordered_json DefaultsJson(const ClusterDefaults& d) {
  return {{"min.insync.replicas", d.min_isr},
          {"unclean.leader.election.enable", d.unclean_leader_election},
          {"default.replication.factor", d.default_replication_factor},
          {"offsets.topic.replication.factor", d.offsets_topic_replication_factor},
          {"offsets.topic.num.partitions", d.offsets_topic_num_partitions},
          {"transaction.state.log.replication.factor", d.transaction_state_log_replication_factor},
          {"transaction.state.log.min.isr", d.transaction_state_log_min_isr},
          {"replica.lag.time.max.ms", d.replica_lag_time_max_ms},
          {"broker.session.timeout.ms", d.broker_session_timeout_ms}};
}

ordered_json TopicJson(const Topic& t) {
  ordered_json parts = ordered_json::array();
  for (const Partition& p : t.partitions) {
    parts.push_back({{"id", p.id},
                     {"replicas", p.replicas},
                     {"isr", p.isr},
                     {"leader", p.leader},
                     {"elr", OptionalIds(p.elr)}});
  }
  return {{"name", t.name},
          {"internal", t.internal},
          {"min.insync.replicas", t.min_isr},
          {"unclean.leader.election.enable", t.unclean_leader_election},
          {"partitions", parts}};
}

bool ParseOrigin(FileReader& r, const YAML::Node& map, std::string_view key, std::string_view path,
                 Origin* out) {
  std::string s;
  if (!r.FieldString(map, key, path, &s)) return false;
  for (Origin o : {Origin::kCluster, Origin::kOperatorFile, Origin::kUnknown}) {
    if (OriginName(o) == s) {
      *out = o;
      return true;
    }
  }
  r.Error(map[std::string(key)], Join(path, key),
          fmt::format("expected cluster, operator-file or unknown, got \"{}\"", s));
  return false;
}

// Calls parse(item, path) for each map in the list `key` of `root`.
template <typename F>
void ForEachItem(FileReader& r, const YAML::Node& root, const char* key, F parse) {
  std::optional<YAML::Node> list = r.Field(root, key, "");
  if (!list || !r.ExpectList(*list, key)) return;
  for (size_t i = 0; i < list->size(); ++i) {
    const YAML::Node item = (*list)[i];
    std::string path = fmt::format("{}[{}]", key, i);
    if (r.ExpectMap(item, path)) parse(item, path);
  }
}

void ParseDefaults(FileReader& r, const YAML::Node& root, ClusterDefaults* d) {
  std::optional<YAML::Node> n = r.Field(root, "defaults", "");
  if (!n || !r.ExpectMap(*n, "defaults")) return;
  auto i32 = [&](const char* key, int32_t* out) { r.FieldInt32(*n, key, "defaults", 0, out); };
  i32("min.insync.replicas", &d->min_isr);
  r.FieldBool(*n, "unclean.leader.election.enable", "defaults", &d->unclean_leader_election);
  i32("default.replication.factor", &d->default_replication_factor);
  i32("offsets.topic.replication.factor", &d->offsets_topic_replication_factor);
  i32("offsets.topic.num.partitions", &d->offsets_topic_num_partitions);
  i32("transaction.state.log.replication.factor", &d->transaction_state_log_replication_factor);
  i32("transaction.state.log.min.isr", &d->transaction_state_log_min_isr);
  r.FieldInt64(*n, "replica.lag.time.max.ms", "defaults", &d->replica_lag_time_max_ms);
  r.FieldInt64(*n, "broker.session.timeout.ms", "defaults", &d->broker_session_timeout_ms);
}

Partition ParsePartition(FileReader& r, const YAML::Node& n, const std::string& path) {
  Partition p;
  r.CheckKeys(n, {"id", "replicas", "isr", "leader", "elr"}, path);
  r.FieldInt32(n, "id", path, 0, &p.id);
  r.FieldIds(n, "replicas", path, &p.replicas);
  r.FieldIds(n, "isr", path, &p.isr);
  r.FieldInt32(n, "leader", path, kNoLeader, &p.leader);
  const YAML::Node elr = n["elr"];
  if (elr.IsDefined() && !elr.IsNull()) {
    std::vector<BrokerId> ids;
    if (r.ValueIds(elr, Join(path, "elr"), &ids)) p.elr = std::move(ids);
  }
  return p;
}

Topic ParseTopic(FileReader& r, const YAML::Node& n, const std::string& path) {
  Topic t;
  r.CheckKeys(
      n,
      {"name", "internal", "min.insync.replicas", "unclean.leader.election.enable", "partitions"},
      path);
  r.FieldString(n, "name", path, &t.name);
  r.FieldBool(n, "internal", path, &t.internal);
  r.FieldInt32(n, "min.insync.replicas", path, 1, &t.min_isr);
  r.FieldBool(n, "unclean.leader.election.enable", path, &t.unclean_leader_election);
  std::optional<YAML::Node> parts = r.Field(n, "partitions", path);
  if (!parts || !r.ExpectList(*parts, Join(path, "partitions"))) return t;
  for (size_t k = 0; k < parts->size(); ++k) {
    std::string item = fmt::format("{}.partitions[{}]", path, k);
    if (r.ExpectMap((*parts)[k], item)) {
      t.partitions.push_back(ParsePartition(r, (*parts)[k], item));
    }
  }
  return t;
}

void ParseElr(FileReader& r, const YAML::Node& root, ClusterDescription* c) {
  std::string s;
  if (!r.FieldString(root, "eligible_leader_replicas", "", &s)) return;
  for (ElrState e : {ElrState::kEnabled, ElrState::kDisabled, ElrState::kUnknown}) {
    if (ElrStateName(e) == s) c->elr = e;
  }
  if (ElrStateName(c->elr) != s) {
    r.Error(root["eligible_leader_replicas"], "eligible_leader_replicas",
            fmt::format("expected enabled, disabled or unknown, got \"{}\"", s));
  }
}

void ParseLists(FileReader& r, const YAML::Node& root, ClusterDescription* c) {
  ForEachItem(r, root, "brokers", [&](const YAML::Node& n, const std::string& path) {
    r.CheckKeys(n, {"id", "dc", "dc_from", "registered"}, path);
    Broker b;
    r.FieldInt32(n, "id", path, 0, &b.id);
    r.FieldString(n, "dc", path, &b.dc);
    ParseOrigin(r, n, "dc_from", path, &b.dc_origin);
    r.FieldBool(n, "registered", path, &b.registered);
    c->brokers.push_back(std::move(b));
  });
  ForEachItem(r, root, "controllers", [&](const YAML::Node& n, const std::string& path) {
    r.CheckKeys(n, {"id", "dc", "dc_from"}, path);
    Controller v;
    r.FieldInt32(n, "id", path, 0, &v.id);
    r.FieldString(n, "dc", path, &v.dc);
    ParseOrigin(r, n, "dc_from", path, &v.dc_origin);
    c->controllers.push_back(std::move(v));
  });
  ForEachItem(r, root, "topics", [&](const YAML::Node& n, const std::string& path) {
    c->topics.push_back(ParseTopic(r, n, path));
  });
  ForEachItem(r, root, "groups", [&](const YAML::Node& n, const std::string& path) {
    r.CheckKeys(n, {"id", "coordinator_partition", "reported_coordinator"}, path);
    Group g;
    r.FieldString(n, "id", path, &g.id);
    r.FieldInt32(n, "coordinator_partition", path, 0, &g.coordinator_partition);
    r.FieldInt32(n, "reported_coordinator", path, -1, &g.reported_coordinator);
    c->groups.push_back(std::move(g));
  });
}

}  // namespace

std::string DescriptionToJson(const ClusterDescription& c) {
  ordered_json brokers = ordered_json::array(), controllers = ordered_json::array(),
               topics = ordered_json::array(), groups = ordered_json::array();
  for (const Broker& b : c.brokers) {
    brokers.push_back({{"id", b.id},
                       {"dc", b.dc},
                       {"dc_from", OriginName(b.dc_origin)},
                       {"registered", b.registered}});
  }
  for (const Controller& v : c.controllers) {
    controllers.push_back({{"id", v.id}, {"dc", v.dc}, {"dc_from", OriginName(v.dc_origin)}});
  }
  for (const Topic& t : c.topics) topics.push_back(TopicJson(t));
  for (const Group& g : c.groups) {
    groups.push_back({{"id", g.id},
                      {"coordinator_partition", g.coordinator_partition},
                      {"reported_coordinator", g.reported_coordinator}});
  }
  ordered_json j = {{"schema", kClusterSchema},
                    {"source", c.source},
                    {"read_at", c.read_at},
                    {"brokers", brokers},
                    {"controllers", controllers},
                    {"voters_from", OriginName(c.voters_origin)},
                    {"eligible_leader_replicas", ElrStateName(c.elr)},
                    {"elr_from", OriginName(c.elr_origin)},
                    {"defaults", DefaultsJson(c.defaults)},
                    {"topics", topics},
                    {"groups", groups},
                    {"notes", c.notes}};
  return j.dump(2) + "\n";
}

Result<ClusterDescription> DescriptionFromJson(const std::string& text, const std::string& path) {
  FileReader r(path);
  STRAIT_ASSIGN_OR_RETURN(const YAML::Node root, r.Parse(text));
  if (!r.ExpectMap(root, "(top level)")) return r.Finish();
  r.CheckKeys(root,
              {"schema", "source", "read_at", "brokers", "controllers", "voters_from",
               "eligible_leader_replicas", "elr_from", "defaults", "topics", "groups", "notes"},
              "");
  std::string schema;
  if (r.FieldString(root, "schema", "", &schema) && schema != kClusterSchema) {
    r.Error(root["schema"], "schema",
            fmt::format("expected \"{}\", got \"{}\" (a file written by strait audit --save)",
                        kClusterSchema, schema));
  }
  ClusterDescription c;
  r.FieldString(root, "source", "", &c.source);
  r.FieldString(root, "read_at", "", &c.read_at);
  ParseOrigin(r, root, "voters_from", "", &c.voters_origin);
  ParseElr(r, root, &c);
  ParseOrigin(r, root, "elr_from", "", &c.elr_origin);
  ParseDefaults(r, root, &c.defaults);
  ParseLists(r, root, &c);
  if (std::optional<YAML::Node> notes = r.Field(root, "notes", "");
      notes && r.ExpectList(*notes, "notes")) {
    for (const YAML::Node& n : *notes) {
      std::string s;
      if (r.ValueString(n, "notes", &s)) c.notes.push_back(s);
    }
  }
  STRAIT_RETURN_IF_ERROR(r.Finish());
  return c;
}

Result<std::string> ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Status WriteTextFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return InvalidArgument(fmt::format("{}: cannot write: {}", path, std::strerror(errno)));
  return Status::Ok();
}

Result<ClusterDescription> LoadDescriptionFile(const std::string& path) {
  STRAIT_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  return DescriptionFromJson(text, path);
}

Status SaveDescriptionFile(const ClusterDescription& c, const std::string& path) {
  return WriteTextFile(path, DescriptionToJson(c));
}

}  // namespace strait::audit
