// The sections of the config file (parser.h): clusters and their client properties, flows,
// http and log.
#include <fmt/format.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <regex>
#include <set>

#include "base/redact.h"
#include "base/utf8.h"
#include "config/parser.h"
#include "config/suggest.h"
#include "kafka/client.h"
#include "kafka/security.h"

namespace strait::config::internal {
namespace {

const std::set<std::string> kClusterRoleKeys = {"consumer", "producer", "admin"};
const std::set<std::string> kFlowKeys = {"source",
                                         "target",
                                         "topics",
                                         "topics.exclude",
                                         "naming",
                                         "separator",
                                         "groups",
                                         "groups.exclude",
                                         "enabled",
                                         "replication.factor",
                                         "provenance.headers",
                                         "start.offset",
                                         "sync.topic.configs",
                                         "adopt.existing.topics",
                                         "refresh.interval.ms",
                                         "max.inflight.bytes.per.partition",
                                         "max.inflight.bytes",
                                         "emit.checkpoints",
                                         "checkpoint.interval.ms",
                                         "sync.group.offsets",
                                         "emit.heartbeats",
                                         "heartbeat.interval.ms",
                                         "config.properties.exclude",
                                         "resume.settle.ms",
                                         "partition.retry.backoff.ms",
                                         "forward",
                                         "mm2.takeover",
                                         "mm2.offsets.topic",
                                         "sync.topic.acls",
                                         "sync.group.acls",
                                         "sync.acls.interval.ms"};
const std::set<std::string> kHttpKeys = {"listen",  "enabled", "tls.certificate",
                                         "tls.key", "tls.ca",  "token"};
const std::set<std::string> kLogKeys = {"level", "format"};
const std::set<std::string> kGroupKeys = {"commit.interval.ms", "enabled", "instance.id", "prefix",
                                          "session.timeout.ms"};

}  // namespace

void Parser::ParseProperties(const YAML::Node& node, const std::string& path, bool top_level,
                             bool consumer, kafka::Properties* out) {
  for (const auto& kv : node) {
    std::string key;
    if (!Key(kv.first, path, &key)) continue;
    if (top_level && kClusterRoleKeys.count(key) != 0) continue;
    // strait.statistics.file is the one strait.* key an operator sets (security.h).
    if (kafka::IsStraitProperty(key) && key != kafka::kStatisticsFileProperty) {
      Error(kv.first, path + "." + key, "names starting with \"strait.\" are strait's own");
      continue;
    }
    std::string value;
    if (!Scalar(kv.second, path + "." + key, &value)) continue;
    if (IsSecretKey(key)) RegisterSecret(value);
    Status s = kafka::ValidateProperties({{key, value}}, consumer);
    if (!s.ok()) {
      std::string message = s.message();
      // librdkafka does not always say which value it rejected.
      if (!IsSecretKey(key) && message.find(value) == std::string::npos) {
        message += fmt::format(" (got \"{}\")", value);
      }
      Error(kv.first, path + "." + key, message);
      continue;
    }
    out->emplace_back(key, value);
  }
}

void Parser::ParseCluster(const std::string& alias, const YAML::Node& node, ClusterConfig* c) {
  std::string path = "clusters." + alias;
  c->alias = alias;
  c->location = LocationOf(node);
  static const std::regex kAlias("[A-Za-z0-9_-]+");
  if (!std::regex_match(alias, kAlias)) {
    Error(node, path,
          "a cluster alias may contain only letters, digits, '_' and '-' (it becomes a topic "
          "name prefix)");
  }
  if (!ExpectMap(node, path)) return;
  ParseProperties(node, path, /*top_level=*/true, /*consumer=*/false, &c->properties);
  for (const std::string& role : kClusterRoleKeys) {
    const YAML::Node sub = node[role];
    if (!sub) continue;
    if (!ExpectMap(sub, path + "." + role)) continue;
    kafka::Properties* target = role == "consumer"   ? &c->consumer
                                : role == "producer" ? &c->producer
                                                     : &c->admin;
    ParseProperties(sub, path + "." + role, /*top_level=*/false, role == "consumer", target);
  }
  if (c->Bootstrap().empty()) {
    Error(node, path, "missing \"bootstrap.servers\" (for example \"127.0.0.1:9092\")");
  }
}

void Parser::ParseClusters(const YAML::Node& node, Config* config) {
  if (!node) {
    errors_.push_back(fmt::format("{}: clusters: missing; define at least two clusters", path_));
    return;
  }
  if (!ExpectMap(node, "clusters")) return;
  for (const auto& kv : node) {
    std::string alias;
    if (!Key(kv.first, "clusters", &alias)) continue;
    ClusterConfig cluster;
    ParseCluster(alias, kv.second, &cluster);
    config->clusters.emplace(alias, std::move(cluster));
  }
}

void Parser::ParseFlow(const YAML::Node& node, const std::string& path, const Config& config,
                       FlowConfig* f) {
  if (!ExpectMap(node, path)) return;
  CheckKeys(node, kFlowKeys, path);
  f->location = LocationOf(node);
  for (auto [key, field] : {std::pair{"source", &f->source}, std::pair{"target", &f->target}}) {
    const YAML::Node n = node[key];
    if (!n) {
      Error(node, path, fmt::format("missing \"{}\" (a cluster alias)", key));
      continue;
    }
    if (!Scalar(n, path + "." + key, field)) continue;
    if (config.clusters.count(*field) == 0) {
      std::set<std::string> aliases;
      for (const auto& [a, c] : config.clusters) aliases.insert(a);
      std::string hint = Suggest(*field, aliases);
      Error(n, path + "." + key,
            fmt::format("unknown cluster \"{}\"{}", *field,
                        hint.empty() ? "" : fmt::format("; did you mean \"{}\"?", hint)));
    }
  }
  if (!f->source.empty() && f->source == f->target) {
    Error(node, path, fmt::format("source and target are both \"{}\"", f->source));
  }
  if (const YAML::Node n = node["topics"]) RegexList(n, path + ".topics", &f->topics);
  if (const YAML::Node n = node["topics.exclude"]) {
    RegexList(n, path + ".topics.exclude", &f->topics_exclude);
  }
  if (const YAML::Node n = node["groups"]) RegexList(n, path + ".groups", &f->groups);
  if (const YAML::Node n = node["groups.exclude"]) {
    RegexList(n, path + ".groups.exclude", &f->groups_exclude);
  }
  if (const YAML::Node n = node["config.properties.exclude"]) {
    RegexList(n, path + ".config.properties.exclude", &f->config_properties_exclude);
  }
  if (const YAML::Node n = node["naming"]) {
    Choice(n, path + ".naming", {{"prefix", Naming::kPrefix}, {"identity", Naming::kIdentity}},
           &f->naming);
  }
  if (const YAML::Node n = node["forward"]) {
    Choice(n, path + ".forward", {{"all", Forward::kAll}, {"local", Forward::kLocal}}, &f->forward);
  }
  if (const YAML::Node n = node["separator"]) {
    if (Scalar(n, path + ".separator", &f->separator) && f->separator.empty()) {
      Error(n, path + ".separator", "must not be empty");
    }
  }
  if (const YAML::Node n = node["start.offset"]) {
    Choice(n, path + ".start.offset",
           {{"earliest", StartOffset::kEarliest}, {"latest", StartOffset::kLatest}},
           &f->start_offset);
  }
  const std::pair<const char*, bool*> bools[] = {
      {"enabled", &f->enabled},
      {"provenance.headers", &f->provenance_headers},
      {"sync.topic.configs", &f->sync_topic_configs},
      {"adopt.existing.topics", &f->adopt_existing_topics},
      {"emit.checkpoints", &f->emit_checkpoints},
      {"sync.group.offsets", &f->sync_group_offsets},
      {"emit.heartbeats", &f->emit_heartbeats},
      {"mm2.takeover", &f->mm2_takeover},
      {"sync.topic.acls", &f->sync_topic_acls},
      {"sync.group.acls", &f->sync_group_acls}};
  for (auto [key, field] : bools) {
    if (const YAML::Node n = node[key]) Bool(n, path + "." + key, field);
  }
  if (f->forward == Forward::kLocal && !f->provenance_headers) {
    // Where a record was produced is known only from its provenance header.
    Error(node["forward"], path + ".forward",
          "\"local\" needs provenance.headers: true (the header says where a record was produced)");
  }
  if (f->mm2_takeover && !f->provenance_headers) {
    // The header is how strait tells its own records from the ones MirrorMaker 2 wrote.
    Error(node["mm2.takeover"], path + ".mm2.takeover",
          "needs provenance.headers: true (strait tells its records from MirrorMaker 2's by it)");
  }
  if (const YAML::Node n = node["mm2.offsets.topic"]) {
    Scalar(n, path + ".mm2.offsets.topic", &f->mm2_offsets_topic);
  }
  const std::pair<const char*, milliseconds*> durations[] = {
      {"refresh.interval.ms", &f->refresh_interval},
      {"checkpoint.interval.ms", &f->checkpoint_interval},
      {"heartbeat.interval.ms", &f->heartbeat_interval},
      {"partition.retry.backoff.ms", &f->partition_retry_backoff},
      {"sync.acls.interval.ms", &f->acl_sync_interval}};
  for (auto [key, field] : durations) {
    if (const YAML::Node n = node[key]) Millis(n, path + "." + key, field);
  }
  if (const YAML::Node n = node["resume.settle.ms"]) {
    Millis(n, path + ".resume.settle.ms", &f->resume_settle, /*min=*/0);
  }
  if (const YAML::Node n = node["replication.factor"]) {
    int64_t rf = f->replication_factor;
    Int(n, path + ".replication.factor", -1, 32767, &rf);
    if (rf == 0) {
      Error(n, path + ".replication.factor", "must be -1 (broker default) or at least 1");
    }
    f->replication_factor = static_cast<int32_t>(rf);
  }
  if (const YAML::Node n = node["max.inflight.bytes.per.partition"]) {
    Int(n, path + ".max.inflight.bytes.per.partition", 1024, int64_t{1} << 34,
        &f->max_inflight_bytes_per_partition);
  }
  if (const YAML::Node n = node["max.inflight.bytes"]) {
    Int(n, path + ".max.inflight.bytes", 1 << 20, int64_t{1} << 40, &f->max_inflight_bytes);
  }
}

void Parser::ParseFlows(const YAML::Node& node, Config* config) {
  if (!node) {
    errors_.push_back(
        fmt::format("{}: flows: missing; define at least one flow (source, target)", path_));
    return;
  }
  if (!node.IsSequence() || node.size() == 0) {
    Error(node, "flows", fmt::format("expected a list of flows, got {}", Describe(node)));
    return;
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < node.size(); ++i) {
    FlowConfig flow;
    std::string path = fmt::format("flows[{}]", i);
    ParseFlow(node[i], path, *config, &flow);
    if (!flow.source.empty() && !flow.target.empty() && !seen.insert(flow.Name()).second) {
      Error(node[i], path,
            fmt::format("a second flow {}; merge their topic lists into one flow", flow.Name()));
    }
    config->flows.push_back(std::move(flow));
  }
}

void Parser::ParseHttp(const YAML::Node& node, HttpConfig* http) {
  if (!ExpectMap(node, "http")) return;
  CheckKeys(node, kHttpKeys, "http");
  if (const YAML::Node n = node["enabled"]) Bool(n, "http.enabled", &http->enabled);
  ParseHttpSecurity(node, http);
  const YAML::Node listen = node["listen"];
  std::string v;
  if (!listen || !Scalar(listen, "http.listen", &v)) return;
  size_t colon = v.rfind(':');
  int64_t port = -1;
  if (colon != std::string::npos && colon + 1 < v.size() &&
      v.find_first_not_of("0123456789", colon + 1) == std::string::npos &&
      colon + 1 + 5 >= v.size()) {
    port = std::stoll(v.substr(colon + 1));
  }
  if (colon == std::string::npos || colon == 0 || port < 0 || port > 65535) {
    Error(listen, "http.listen",
          fmt::format("expected HOST:PORT (for example \"127.0.0.1:9644\"), got \"{}\"", v));
    return;
  }
  http->host = v.substr(0, colon);
  http->port = static_cast<int>(port);
}

void Parser::ParseHttpSecurity(const YAML::Node& node, HttpConfig* http) {
  const std::pair<const char*, std::string*> files[] = {{"tls.certificate", &http->tls_certificate},
                                                        {"tls.key", &http->tls_key},
                                                        {"tls.ca", &http->tls_ca}};
  for (auto [key, field] : files) {
    const YAML::Node n = node[key];
    if (!n || !Scalar(n, fmt::format("http.{}", key), field)) continue;
    if (access(field->c_str(), R_OK) != 0) {
      Error(n, fmt::format("http.{}", key),
            fmt::format("cannot read {}: {}", *field, std::strerror(errno)));
    }
  }
  if (http->tls_certificate.empty() != http->tls_key.empty()) {
    Error(node, "http", "tls.certificate and tls.key go together: set both for HTTPS, or neither");
  }
  if (const YAML::Node n = node["token"]) {
    if (Scalar(n, "http.token", &http->token)) {
      RegisterSecret(http->token);
      if (http->token.size() < 16) {
        Error(n, "http.token", "a bearer token needs at least 16 characters");
      }
    }
  }
}

void Parser::ParseLog(const YAML::Node& node, Config* config) {
  if (!ExpectMap(node, "log")) return;
  CheckKeys(node, kLogKeys, "log");
  std::string v;
  if (const YAML::Node level = node["level"]; level && Scalar(level, "log.level", &v)) {
    static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error"};
    if (kLevels.count(v) == 0) {
      Error(level, "log.level",
            fmt::format("expected one of trace, debug, info, warn, error, got \"{}\"", v));
    } else {
      config->log_level = v;
    }
  }
  if (const YAML::Node format = node["format"]; format && Scalar(format, "log.format", &v)) {
    if (v != "text" && v != "json") {
      Error(format, "log.format", fmt::format("expected \"text\" or \"json\", got \"{}\"", v));
    } else {
      config->log_format = v;
    }
  }
}

void Parser::ParseGroup(const YAML::Node& node, GroupConfig* group) {
  if (!ExpectMap(node, "group")) return;
  CheckKeys(node, kGroupKeys, "group");
  if (const YAML::Node n = node["enabled"]) Bool(n, "group.enabled", &group->enabled);
  if (const YAML::Node n = node["instance.id"]) {
    // The id goes into the member's client.id, which Kafka limits to these characters.
    if (Scalar(n, "group.instance.id", &group->instance_id) &&
        (group->instance_id.empty() ||
         group->instance_id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789._-") != std::string::npos)) {
      Error(
          n, "group.instance.id",
          fmt::format("expected letters, digits, '.', '_' or '-', got \"{}\"", group->instance_id));
    }
  }
  if (const YAML::Node n = node["prefix"]) Scalar(n, "group.prefix", &group->prefix);
  if (const YAML::Node n = node["session.timeout.ms"]) {
    // The broker's group.min.session.timeout.ms is 6 s by default.
    Millis(n, "group.session.timeout.ms", &group->session_timeout, /*min=*/1000);
  }
  if (const YAML::Node n = node["commit.interval.ms"]) {
    Millis(n, "group.commit.interval.ms", &group->commit_interval, /*min=*/10);
  }
}

// Group mode never waits resume.settle.ms (replication/flow.cc, Flow::Settle): a partition
// resumes once the target has ended the transaction a killed instance left open. A setting
// without effect is refused rather than ignored, so that nobody counts on it.
void Parser::RefuseSettleInGroupMode(const YAML::Node& flows) {
  if (!flows || !flows.IsSequence()) return;
  for (size_t i = 0; i < flows.size(); ++i) {
    if (!flows[i].IsMap()) continue;
    if (const YAML::Node n = flows[i]["resume.settle.ms"]) {
      Error(n, fmt::format("flows[{}].resume.settle.ms", i),
            "has no use with group.enabled: true (a partition resumes once the target has ended "
            "the transaction a killed instance left open, without waiting); remove it");
    }
  }
}

}  // namespace strait::config::internal
