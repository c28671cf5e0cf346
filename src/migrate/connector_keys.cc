// MirrorMaker 2's connector and Kafka Connect worker settings, and what each becomes in a
// strait flow (mm2_model.h).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "base/regex_check.h"
#include "migrate/mm2_model.h"

namespace strait::migrate {
namespace {

constexpr std::string_view kDefaultPolicy =
    "org.apache.kafka.connect.mirror.DefaultReplicationPolicy";
constexpr std::string_view kIdentityPolicy =
    "org.apache.kafka.connect.mirror.IdentityReplicationPolicy";

// Connector keys strait has no use for, each with the reason a user reads.
const std::map<std::string, std::string>& NotTranslated() {
  static const std::map<std::string, std::string> kReasons = [] {
    const std::string offset_syncs =
        "strait translates group offsets exactly from its provenance headers and writes no "
        "offset syncs";
    const std::string internal_rf =
        "strait creates its checkpoints and heartbeats topics with the flow's "
        "replication.factor";
    const std::string metrics = "strait serves its metrics in Prometheus form on http.listen";
    return std::map<std::string, std::string>{
        {"tasks.max",
         "strait has no tasks: one process mirrors every partition, each at its "
         "own pace"},
        {"emit.offset-syncs.enabled", offset_syncs},
        {"offset-syncs.topic.location", offset_syncs},
        {"offset-syncs.topic.replication.factor", offset_syncs},
        {"offset.lag.max", offset_syncs},
        {"checkpoints.topic.replication.factor", internal_rf},
        {"heartbeats.topic.replication.factor", internal_rf},
        {"sync.group.offsets.interval.seconds",
         "strait commits group offsets in the same round as it writes checkpoints "
         "(checkpoint.interval.ms)"},
        {"sync.topic.configs.interval.seconds",
         "strait syncs topic configs every refresh.interval.ms (5 s by default)"},
        {"refresh.groups.enabled", "strait lists consumer groups in every checkpoint round"},
        {"refresh.groups.interval.seconds",
         "strait lists consumer groups in every checkpoint round"},
        {"source.cluster.alias", "a flow's source is its `source`"},
        {"target.cluster.alias", "a flow's target is its `target`"},
        {"name", "strait has no connectors to name"},
        {"connector.class", "strait has no connectors"},
        {"admin.timeout.ms", "strait's admin calls have their own timeouts"},
        {"forwarding.admin.class", "strait creates topics with its own admin client"},
        {"exactly.once.support",
         "strait writes idempotently and resumes from the target's own "
         "log: no duplicates without transactions"},
        {"transaction.boundary", "strait does not write transactions"},
        {"metric.reporters", metrics},
        {"add.source.alias.to.metrics", metrics},
        {"replication.policy.internal.topic.separator.enabled",
         "strait names internal topics (checkpoints) with the flow's separator"},
    };
  }();
  return kReasons;
}

bool ParseBool(const std::string& value, bool* out) {
  std::string v = Trim(value);
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  if (v != "true" && v != "false") return false;
  *out = v == "true";
  return true;
}

bool ParseInt(const std::string& value, int64_t min, int64_t max, int64_t* out) {
  std::string v = Trim(value);
  if (v.empty() || v.find_first_not_of("-0123456789") != std::string::npos) return false;
  char* end = nullptr;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (*end != '\0' || n < min || n > max) return false;
  *out = n;
  return true;
}

// A list of Java regexes, kept when each one means the same in ECMAScript (strait's syntax).
std::optional<std::string> RegexList(const std::string& value,
                                     std::optional<std::vector<std::string>>* out) {
  std::vector<std::string> items = SplitList(value);
  for (const std::string& item : items) {
    if (!CheckPattern(item).ok()) {
      return fmt::format(
          "\"{}\" is a Java regular expression strait (ECMAScript) cannot read: "
          "rewrite it",
          item);
    }
  }
  *out = std::move(items);
  return "";
}

std::optional<std::string> Bool(const std::string& value, std::optional<bool>* out) {
  bool b = false;
  if (!ParseBool(value, &b)) return fmt::format("expected true or false");
  *out = b;
  return "";
}

std::optional<std::string> Seconds(const std::string& value, std::optional<int64_t>* out_ms) {
  int64_t n = 0;
  if (!ParseInt(value, 1, 86400, &n)) return std::string("expected 1 to 86400 seconds");
  *out_ms = n * 1000;
  return "";
}

// Keys whose only translation is "strait already does this" for one value.
std::optional<std::string> SameAsStrait(const std::string& key, const std::string& value) {
  static const std::map<std::string, std::pair<std::string, std::string>> kKeys = {
      {"refresh.topics.enabled", {"true", "strait always looks for new topics"}},
      {"heartbeats.replication.enabled", {"true", "strait always mirrors heartbeats topics"}},
      {"use.defaults.from",
       {"target",
        "strait resets a config at its default on the source to "
        "the target's default (use.defaults.from = target)"}},
  };
  auto it = kKeys.find(key);
  if (it == kKeys.end()) return std::nullopt;
  std::string v = Trim(value);
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  return v == it->second.first ? "" : it->second.second;
}

std::optional<std::string> Policy(const std::string& value, FlowSettings* s) {
  std::string v = Trim(value);
  if (v == kDefaultPolicy || v == "DefaultReplicationPolicy") {
    s->naming = "prefix";
  } else if (v == kIdentityPolicy || v == "IdentityReplicationPolicy") {
    s->naming = "identity";
  } else {
    return fmt::format(
        "a custom replication policy ({}); strait names remote topics with "
        "naming: prefix or identity",
        v);
  }
  return "";
}

std::optional<std::string> Filter(const std::string& key, const std::string& value) {
  static const std::map<std::string, std::string> kDefaults = {
      {"topic.filter.class", "org.apache.kafka.connect.mirror.DefaultTopicFilter"},
      {"group.filter.class", "org.apache.kafka.connect.mirror.DefaultGroupFilter"},
      {"config.property.filter.class",
       "org.apache.kafka.connect.mirror.DefaultConfigPropertyFilter"},
  };
  auto it = kDefaults.find(key);
  if (it == kDefaults.end()) return std::nullopt;
  if (Trim(value) == it->second) return "";
  return fmt::format("a custom filter class; strait filters with regexes only");
}

}  // namespace

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n\f");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n\f");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> SplitList(const std::string& value) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string::npos) comma = value.size();
    std::string item = Trim(value.substr(start, comma - start));
    if (!item.empty()) out.push_back(item);
    start = comma + 1;
  }
  return out;
}

bool IsClusterClientKey(const std::string& key) {
  return key == "bootstrap.servers" || key == "security.protocol" || key.rfind("ssl.", 0) == 0 ||
         key.rfind("sasl.", 0) == 0;
}

std::optional<std::string> ApplyConnectorKey(const std::string& key, const std::string& value,
                                             FlowSettings* s) {
  if (key == "topics") return RegexList(value, &s->topics);
  if (key == "topics.exclude" || key == "topics.blacklist") {
    return RegexList(value, &s->topics_exclude);
  }
  if (key == "groups") return RegexList(value, &s->groups);
  if (key == "groups.exclude" || key == "groups.blacklist") {
    return RegexList(value, &s->groups_exclude);
  }
  if (key == "config.properties.exclude" || key == "config.properties.blacklist") {
    return RegexList(value, &s->config_exclude);
  }
  if (key == "sync.topic.configs.enabled") return Bool(value, &s->sync_topic_configs);
  if (key == "emit.checkpoints.enabled") return Bool(value, &s->emit_checkpoints);
  if (key == "sync.group.offsets.enabled") return Bool(value, &s->sync_group_offsets);
  if (key == "emit.heartbeats.enabled") return Bool(value, &s->emit_heartbeats);
  if (key == "sync.topic.acls.enabled") return Bool(value, &s->sync_topic_acls);
  if (key == "sync.topic.acls.interval.seconds") return Seconds(value, &s->acl_ms);
  if (key == "emit.checkpoints.interval.seconds") return Seconds(value, &s->checkpoint_ms);
  if (key == "emit.heartbeats.interval.seconds") return Seconds(value, &s->heartbeat_ms);
  if (key == "refresh.topics.interval.seconds") return Seconds(value, &s->refresh_ms);
  if (key == "replication.factor") {
    int64_t rf = 0;
    if (!ParseInt(value, -1, 32767, &rf) || rf == 0) {
      return std::string("expected -1 or 1 to 32767");
    }
    s->replication_factor = rf;
    return "";
  }
  if (key == "replication.policy.separator") {
    if (value.empty()) return std::string("an empty separator");
    s->separator = value;  // not trimmed: MirrorMaker 2 keeps it as written
    return "";
  }
  if (key == "replication.policy.class") return Policy(value, s);
  if (auto same = SameAsStrait(key, value)) return same;
  if (auto filter = Filter(key, value)) return filter;
  auto it = NotTranslated().find(key);
  if (it != NotTranslated().end()) return it->second;
  return std::nullopt;
}

std::optional<std::string> WorkerKeyReason(const std::string& key) {
  if (key == "exactly.once.source.support") {
    return "strait writes idempotently and resumes from the target's own log: no duplicates "
           "without transactions";
  }
  if (key == "dedicated.mode.enable.internal.rest" || key == "listeners" ||
      key.rfind("rest.", 0) == 0 || key == "admin.listeners") {
    return "strait runs no Connect REST server; its own endpoint is http.listen";
  }
  if (key.rfind("config.providers", 0) == 0) {
    return "strait has no config providers: write the values into its config";
  }
  static const std::vector<std::string> kPrefixes = {"offset.storage.",
                                                     "config.storage.",
                                                     "status.storage.",
                                                     "offset.flush.",
                                                     "key.converter",
                                                     "value.converter",
                                                     "header.converter",
                                                     "task.",
                                                     "worker.",
                                                     "group.id",
                                                     "plugin.path",
                                                     "scheduled.rebalance.max.delay.ms",
                                                     "connect.protocol",
                                                     "session.timeout.ms",
                                                     "heartbeat.interval.ms",
                                                     "rebalance.timeout.ms",
                                                     "inter.worker.",
                                                     "topic.creation.enable",
                                                     "metrics.",
                                                     "access.control.",
                                                     "response.http.headers.config",
                                                     "auto.include.jmx.reporter",
                                                     "connector.client.config.override.policy",
                                                     "client.id"};
  for (const std::string& p : kPrefixes) {
    if (key.rfind(p, 0) == 0) {
      return "a Kafka Connect worker setting; strait keeps no Connect state (its progress is in "
             "the target's log)";
    }
  }
  return std::nullopt;
}

const std::vector<std::string>& KnownMm2Keys() {
  static const std::vector<std::string> kKeys = [] {
    std::vector<std::string> keys = {"clusters",
                                     "topics",
                                     "topics.exclude",
                                     "groups",
                                     "groups.exclude",
                                     "config.properties.exclude",
                                     "sync.topic.configs.enabled",
                                     "emit.checkpoints.enabled",
                                     "sync.group.offsets.enabled",
                                     "emit.heartbeats.enabled",
                                     "emit.checkpoints.interval.seconds",
                                     "emit.heartbeats.interval.seconds",
                                     "refresh.topics.interval.seconds",
                                     "replication.factor",
                                     "replication.policy.separator",
                                     "replication.policy.class",
                                     "sync.topic.acls.enabled",
                                     "refresh.topics.enabled",
                                     "heartbeats.replication.enabled",
                                     "use.defaults.from",
                                     "topic.filter.class",
                                     "group.filter.class",
                                     "config.property.filter.class",
                                     "enabled",
                                     "offset.storage.topic",
                                     "exactly.once.source.support",
                                     "offset.flush.interval.ms"};
    for (const auto& [k, reason] : NotTranslated()) keys.push_back(k);
    return keys;
  }();
  return kKeys;
}

}  // namespace strait::migrate
