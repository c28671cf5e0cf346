#include "config/config.h"

#include <fmt/format.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "base/redact.h"
#include "base/utf8.h"
#include "config/suggest.h"
#include "kafka/client.h"
#include "kafka/security.h"

namespace strait::config {
namespace {

const std::set<std::string> kRootKeys = {"clusters", "flows", "http", "log"};
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

// "a" or "b"; "a", "b" or "c".
std::string JoinOr(const std::vector<std::string>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
    out += words[i];
  }
  return out;
}

// Collects every problem in one pass so that a user fixes them all at once.
class Parser {
 public:
  Parser(std::string path, Environment env) : path_(std::move(path)), env_(std::move(env)) {}

  Result<Config> Parse(const std::string& text);

 private:
  void Error(const YAML::Node& node, const std::string& key, const std::string& what) {
    const YAML::Mark mark = node.Mark();
    int line = mark.line >= 0 ? mark.line + 1 : 0;
    int column = mark.column >= 0 ? mark.column + 1 : 0;
    errors_.push_back(fmt::format("{}:{}:{}: {}: {}", path_, line, column, key, what));
  }
  Location LocationOf(const YAML::Node& node) const {
    return {path_, node.Mark().line + 1, node.Mark().column + 1};
  }

  // The name of a map key; false, after an error, for a key that is not a single value.
  bool Key(const YAML::Node& key, const std::string& path, std::string* out);
  void CheckKeys(const YAML::Node& map, const std::set<std::string>& known,
                 const std::string& path);
  bool ExpectMap(const YAML::Node& node, const std::string& key);
  bool Scalar(const YAML::Node& node, const std::string& key, std::string* out);
  void Bool(const YAML::Node& node, const std::string& key, bool* out);
  void Int(const YAML::Node& node, const std::string& key, int64_t min, int64_t max, int64_t* out);
  void Millis(const YAML::Node& node, const std::string& key, milliseconds* out, int64_t min = 1);
  // One of a fixed set of words, e.g. naming: prefix | identity.
  template <typename E>
  void Choice(const YAML::Node& node, const std::string& key,
              std::initializer_list<std::pair<std::string_view, E>> choices, E* out) {
    std::string v;
    if (!Scalar(node, key, &v)) return;
    std::vector<std::string> quoted;
    for (const auto& [word, value] : choices) {
      if (v == word) {
        *out = value;
        return;
      }
      quoted.push_back(fmt::format("\"{}\"", word));
    }
    Error(node, key, fmt::format("expected {}, got \"{}\"", JoinOr(quoted), v));
  }
  void RegexList(const YAML::Node& node, const std::string& key, std::vector<std::string>* out);

  void ParseClusters(const YAML::Node& node, Config* config);
  void ParseCluster(const std::string& alias, const YAML::Node& node, ClusterConfig* cluster);
  // Client properties of one map; with `top_level`, the role sub-maps are skipped.
  void ParseProperties(const YAML::Node& node, const std::string& path, bool top_level,
                       bool consumer, kafka::Properties* out);
  void ParseFlows(const YAML::Node& node, Config* config);
  void ParseFlow(const YAML::Node& node, const std::string& path, const Config& config,
                 FlowConfig* flow);
  void ParseHttp(const YAML::Node& node, HttpConfig* http);
  void ParseHttpSecurity(const YAML::Node& node, HttpConfig* http);
  void ParseLog(const YAML::Node& node, Config* config);

  std::string path_;
  Environment env_;
  std::vector<std::string> errors_;
};

std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return fmt::format("\"{}\"", node.Scalar());
    default:
      return "an undefined value";
  }
}

bool Parser::Key(const YAML::Node& key, const std::string& path, std::string* out) {
  if (key.IsScalar()) {
    if (FindInvalidUtf8(key.Scalar())) {
      Error(key, path.empty() ? "(a key)" : path + ".(a key)", std::string(kYamlEscapeNotUtf8));
      return false;
    }
    *out = key.Scalar();
    return true;
  }
  // YAML allows any node as a key ("? [a, b]: 1"); a config key is always a name.
  Error(key, path.empty() ? "(a key)" : path + ".(a key)",
        fmt::format("expected a name, got {}", Describe(key)));
  return false;
}

void Parser::CheckKeys(const YAML::Node& map, const std::set<std::string>& known,
                       const std::string& path) {
  for (const auto& kv : map) {
    std::string key;
    if (!Key(kv.first, path, &key) || known.count(key) != 0) continue;
    std::string hint = Suggest(key, known);
    std::string full = path.empty() ? key : path + "." + key;
    Error(kv.first, full,
          hint.empty() ? "unknown key" : fmt::format("unknown key; did you mean \"{}\"?", hint));
  }
}

bool Parser::ExpectMap(const YAML::Node& node, const std::string& key) {
  if (node.IsMap()) return true;
  Error(node, key, fmt::format("expected a map, got {}", Describe(node)));
  return false;
}

bool Parser::Scalar(const YAML::Node& node, const std::string& key, std::string* out) {
  if (!node.IsScalar()) {
    Error(node, key, fmt::format("expected a single value, got {}", Describe(node)));
    return false;
  }
  if (FindInvalidUtf8(node.Scalar())) {
    Error(node, key, std::string(kYamlEscapeNotUtf8));
    return false;
  }
  Result<std::string> value = Resolve(node.Scalar(), env_);
  if (!value.ok()) {
    Error(node, key, value.status().message());
    return false;
  }
  *out = std::move(value).value();
  return true;
}

void Parser::Bool(const YAML::Node& node, const std::string& key, bool* out) {
  std::string v;
  if (!Scalar(node, key, &v)) return;
  if (v == "true") {
    *out = true;
  } else if (v == "false") {
    *out = false;
  } else {
    Error(node, key, fmt::format("expected true or false, got \"{}\"", v));
  }
}

void Parser::Int(const YAML::Node& node, const std::string& key, int64_t min, int64_t max,
                 int64_t* out) {
  std::string v;
  if (!Scalar(node, key, &v)) return;
  size_t used = 0;
  int64_t n = 0;
  bool parsed = false;
  try {  // std::stoll is the one standard parser here; its exceptions stay in this function
    n = std::stoll(v, &used);
    parsed = used == v.size();
  } catch (const std::exception&) {
    parsed = false;
  }
  if (!parsed) {
    Error(node, key, fmt::format("expected a whole number, got \"{}\"", v));
  } else if (n < min || n > max) {
    Error(node, key, fmt::format("expected a number from {} to {}, got {}", min, max, n));
  } else {
    *out = n;
  }
}

void Parser::Millis(const YAML::Node& node, const std::string& key, milliseconds* out,
                    int64_t min) {
  int64_t n = out->count();
  Int(node, key, min, 24LL * 3600 * 1000, &n);
  *out = milliseconds(n);
}

void Parser::RegexList(const YAML::Node& node, const std::string& key,
                       std::vector<std::string>* out) {
  std::vector<std::string> values;
  if (node.IsScalar()) {
    std::string v;
    if (!Scalar(node, key, &v)) return;
    values.push_back(v);
  } else if (node.IsSequence()) {
    for (const auto& item : node) {
      std::string v;
      if (Scalar(item, key, &v)) values.push_back(v);
    }
  } else if (!node.IsNull()) {
    Error(node, key, fmt::format("expected a list of regular expressions, got {}", Describe(node)));
    return;
  }
  for (const std::string& v : values) {
    try {  // std::regex reports bad patterns only by throwing
      std::regex re(v);
    } catch (const std::regex_error& e) {
      Error(node, key, fmt::format("\"{}\" is not a valid regular expression: {}", v, e.what()));
      return;
    }
  }
  *out = values;
}

void Parser::ParseProperties(const YAML::Node& node, const std::string& path, bool top_level,
                             bool consumer, kafka::Properties* out) {
  for (const auto& kv : node) {
    std::string key;
    if (!Key(kv.first, path, &key)) continue;
    if (top_level && kClusterRoleKeys.count(key) != 0) continue;
    if (kafka::IsStraitProperty(key)) {
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

Result<Config> Parser::Parse(const std::string& text) {
  if (std::optional<size_t> bad = FindInvalidUtf8(text)) {
    TextPosition at = PositionOf(text, *bad);
    return InvalidArgument(fmt::format(
        "{}:{}:{}: invalid YAML: the file is not UTF-8 text (byte 0x{:02x}); save it as UTF-8",
        path_, at.line, at.column, static_cast<uint8_t>(text[*bad])));
  }
  YAML::Node root;
  try {  // yaml-cpp reports syntax errors only by throwing
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    return InvalidArgument(fmt::format("{}:{}:{}: invalid YAML: {}", path_, e.mark.line + 1,
                                       e.mark.column + 1, e.msg));
  }
  if (!root.IsMap()) {
    return InvalidArgument(
        fmt::format("{}: expected a map with \"clusters\" and \"flows\" at the top, got {}", path_,
                    Describe(root)));
  }
  Config config;
  config.path = path_;
  CheckKeys(root, kRootKeys, "");
  ParseClusters(root["clusters"], &config);
  ParseFlows(root["flows"], &config);
  if (const YAML::Node http = root["http"]) ParseHttp(http, &config.http);
  if (const YAML::Node log = root["log"]) ParseLog(log, &config);
  if (!errors_.empty()) {
    std::string all;
    for (const std::string& e : errors_) all += (all.empty() ? "" : "\n") + e;
    return InvalidArgument(Redact(all));
  }
  return config;
}

// The cluster's alias travels with its properties, so that every client says which cluster
// it talks to (kafka/security.h).
kafka::Properties Merge(const std::string& alias, const kafka::Properties& base,
                        const kafka::Properties& role) {
  kafka::Properties out = {{std::string(kafka::kClusterProperty), alias}};
  out.insert(out.end(), base.begin(), base.end());
  out.insert(out.end(), role.begin(), role.end());
  return out;
}

}  // namespace

kafka::Properties ClusterConfig::ConsumerProperties() const {
  return Merge(alias, properties, consumer);
}
kafka::Properties ClusterConfig::ProducerProperties() const {
  return Merge(alias, properties, producer);
}
kafka::Properties ClusterConfig::AdminProperties() const { return Merge(alias, properties, admin); }

std::string ClusterConfig::Bootstrap() const {
  for (const auto& [k, v] : properties) {
    if (k == "bootstrap.servers" || k == "metadata.broker.list") return v;
  }
  return "";
}

Result<Config> ParseConfig(const std::string& text, const std::string& path,
                           const Environment& env) {
  return Parser(path, env).Parse(text);
}

Result<Config> LoadConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return InvalidArgument(
        fmt::format("{}: cannot read the config file: {}", path, std::strerror(errno)));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return ParseConfig(buffer.str(), path);
}

}  // namespace strait::config
