#include "migrate/mm2_import.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "base/redact.h"
#include "base/utf8.h"
#include "config/suggest.h"
#include "migrate/java_properties.h"
#include "migrate/mm2_model.h"

namespace strait::migrate {
namespace {

// MirrorMaker 2's defaults where they differ from strait's in what gets mirrored (its
// interval defaults are longer than strait's, which only makes strait notice changes sooner,
// so those are left at strait's).
constexpr bool kMm2SyncGroupOffsets = false;
constexpr int64_t kMm2ReplicationFactor = 2;

struct FlowKey {
  std::string setting;  // the key after "<source>-><target>."
  Property entry;
};

struct ClusterInput {
  ClientMap common, consumer, producer, admin;
  std::optional<Property> offsets_topic;  // <alias>.offset.storage.topic
};

class Importer {
 public:
  Importer(std::string path, const PropertyCheck& check) : path_(std::move(path)), check_(check) {}

  Result<Mm2Import> Run(const std::vector<Property>& entries);

 private:
  void Skip(const Property& p, std::string reason) {
    out_.untranslated.push_back({p.line, p.key, std::move(reason)});
  }
  void Error(const Property& p, const std::string& message) {
    errors_.push_back(fmt::format("{}:{}: {}: {}", path_, p.line, p.key, message));
  }
  std::vector<Property> LastValues(const std::vector<Property>& entries);
  void RejectControlCharacters(const std::vector<Property>& entries);
  void ReadAliases(const std::vector<Property>& entries);
  std::string AliasPrefix(const std::string& key) const;  // "" when none
  void Classify(const Property& p);
  void ClusterKey(const std::string& alias, const std::string& sub, const Property& p);
  void TopLevelKey(const Property& p);
  void FlowEntry(const Property& p);
  std::vector<ClusterOut> BuildClusters();
  std::optional<FlowOut> BuildFlow(const std::string& source, const std::string& target,
                                   const std::vector<FlowKey>& keys,
                                   const std::map<std::string, ClusterOut>& clusters);
  void FlowSetting(const FlowKey& k, FlowSettings* s, std::optional<std::string>* start_offset);
  std::string Hint(const std::string& key) const;

  std::string path_;
  const PropertyCheck& check_;
  Mm2Import out_;
  std::vector<std::string> errors_;
  std::vector<std::string> aliases_;
  std::map<std::string, ClusterInput> clusters_;
  ClientMap top_client_;
  std::optional<Property> top_offsets_topic_;
  FlowSettings defaults_;
  std::map<std::pair<std::string, std::string>, std::vector<FlowKey>> flow_keys_;
  std::vector<std::string> acl_flows_;  // enabled flows with topic ACL sync on
};

std::vector<Property> Importer::LastValues(const std::vector<Property>& entries) {
  std::map<std::string, size_t> last;
  for (size_t i = 0; i < entries.size(); ++i) last[entries[i].key] = i;
  std::vector<Property> out;
  for (size_t i = 0; i < entries.size(); ++i) {
    const Property& p = entries[i];
    if (last[p.key] == i) {
      out.push_back(p);
    } else {
      Skip(p, fmt::format("set again on line {}, whose value MirrorMaker 2 uses",
                          entries[last[p.key]].line));
    }
  }
  return out;
}

// A .properties escape (\u0000, or half of a surrogate pair) can put any character into a
// key or value; no client property, topic or alias holds a control character, and a strait
// config (UTF-8 YAML) cannot carry one or a lone surrogate, so such a file is refused rather
// than written out unreadable.
void Importer::RejectControlCharacters(const std::vector<Property>& entries) {
  auto problem = [](const std::string& text) -> std::string {
    if (std::optional<size_t> bad = FindInvalidUtf8(text)) {
      return fmt::format("a character that is not valid Unicode at byte {}", *bad + 1);
    }
    for (size_t i = 0; i < text.size(); ++i) {
      auto c = static_cast<unsigned char>(text[i]);
      auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return fmt::format("the control character 0x{:02x}", c);
      }
      if (c == 0xc2 && next >= 0x80 && next <= 0x9f) {
        return fmt::format("the control character U+{:04X}", next);
      }
    }
    return "";
  };
  for (const Property& p : entries) {
    for (const std::string* text : {&p.key, &p.value}) {
      std::string what = problem(*text);
      if (what.empty()) continue;
      Error(p, fmt::format("the {} holds {}, which no MirrorMaker 2 setting can mean and a "
                           "strait config cannot hold",
                           text == &p.key ? "key" : "value", what));
      break;
    }
  }
}

void Importer::ReadAliases(const std::vector<Property>& entries) {
  static const std::regex kAlias("[A-Za-z0-9_-]+");
  auto clusters = std::find_if(entries.begin(), entries.end(),
                               [](const Property& p) { return p.key == "clusters"; });
  if (clusters != entries.end()) {
    aliases_ = SplitList(clusters->value);
  } else {
    for (const Property& p : entries) {
      const std::string suffix = ".bootstrap.servers";
      if (p.key.size() > suffix.size() && p.key.find("->") == std::string::npos &&
          p.key.compare(p.key.size() - suffix.size(), suffix.size(), suffix) == 0) {
        aliases_.push_back(p.key.substr(0, p.key.size() - suffix.size()));
      }
    }
    if (aliases_.empty()) {
      errors_.push_back(
          fmt::format("{}: clusters: missing; list the cluster aliases "
                      "(clusters = A, B)",
                      path_));
      return;
    }
    std::string list;
    for (const std::string& a : aliases_) list += (list.empty() ? "" : ", ") + a;
    out_.notes.push_back(
        fmt::format("`clusters` is missing (MirrorMaker 2 requires it); the "
                    "aliases with a bootstrap.servers were taken: {}",
                    list));
  }
  for (const std::string& a : aliases_) {
    if (std::regex_match(a, kAlias)) continue;
    std::string why = "a strait cluster alias may contain only letters, digits, '_' and '-'";
    if (a.find('#') != std::string::npos) {
      why +=
          " (a '#' starts a comment only at the start of a line in a .properties file, so "
          "MirrorMaker 2 reads the rest of the line as part of the value)";
    }
    // Without a `clusters` key the alias came from its bootstrap.servers key: report there.
    auto where = clusters != entries.end()
                     ? clusters
                     : std::find_if(entries.begin(), entries.end(), [&](const Property& p) {
                         return p.key == a + ".bootstrap.servers";
                       });
    Error(*where, fmt::format("alias \"{}\": {}", a, why));
  }
}

std::string Importer::AliasPrefix(const std::string& key) const {
  std::string best;
  for (const std::string& a : aliases_) {
    if (key.size() > a.size() + 1 && key.compare(0, a.size() + 1, a + ".") == 0 &&
        a.size() > best.size()) {
      best = a;
    }
  }
  return best;
}

std::string Importer::Hint(const std::string& key) const {
  std::set<std::string> known(KnownMm2Keys().begin(), KnownMm2Keys().end());
  // "emit.heartbeats" for "emit.heartbeats.enabled": too far apart for an edit distance.
  auto longer = known.lower_bound(key + ".");
  std::string hint = longer != known.end() && longer->rfind(key + ".", 0) == 0
                         ? *longer
                         : config::Suggest(key, known);
  return hint.empty() ? "" : fmt::format("; did you mean \"{}\"?", hint);
}

void Importer::Classify(const Property& p) {
  // Not for credentials: a '#' in a password is no mistake.
  bool credential = IsSecretKey(p.key) || p.key.find("jaas.config") != std::string::npos;
  if (p.value.find('#') != std::string::npos && !credential && p.key != "clusters") {
    out_.notes.push_back(fmt::format(
        "{}:{}: {}: the value contains '#', which starts a comment only at the start of a line "
        "in a .properties file: MirrorMaker 2 read it as part of the value, and so does this "
        "translation",
        path_, p.line, p.key));
  }
  if (p.key == "clusters") return;
  if (p.key.find("->") != std::string::npos) return FlowEntry(p);
  std::string alias = AliasPrefix(p.key);
  if (!alias.empty()) return ClusterKey(alias, p.key.substr(alias.size() + 1), p);
  TopLevelKey(p);
}

void Importer::ClusterKey(const std::string& alias, const std::string& sub, const Property& p) {
  ClusterInput& c = clusters_[alias];
  ClientValue v{p.value, p.line, p.key};
  for (auto [prefix, map] : {std::pair{"consumer.", &c.consumer},
                             std::pair{"producer.", &c.producer}, std::pair{"admin.", &c.admin}}) {
    std::string pre(prefix);
    if (sub.rfind(pre, 0) == 0 && sub.size() > pre.size()) {
      (*map)[sub.substr(pre.size())] = v;
      return;
    }
  }
  if (IsClusterClientKey(sub)) {
    c.common[sub] = v;
  } else if (sub == "offset.storage.topic") {
    c.offsets_topic = p;
  } else if (std::optional<std::string> why = WorkerKeyReason(sub)) {
    Skip(p, *why);
  } else if (FlowSettings ignored; ApplyConnectorKey(sub, p.value, &ignored)) {
    Skip(p, fmt::format("MirrorMaker 2 does not read connector settings per cluster; set {} at "
                        "the top level or as <source>-><target>.{}",
                        sub, sub));
  } else {
    Skip(p, fmt::format("MirrorMaker 2 gives a whole cluster's clients only bootstrap.servers, "
                        "security.protocol, ssl.* and sasl.*; other client settings go under "
                        "{0}.consumer., {0}.producer. or {0}.admin.",
                        alias));
  }
}

void Importer::TopLevelKey(const Property& p) {
  if (IsClusterClientKey(p.key)) {
    top_client_[p.key] = ClientValue{p.value, p.line, p.key};
    return;
  }
  if (p.key == "offset.storage.topic") {
    top_offsets_topic_ = p;
    return;
  }
  if (std::optional<std::string> why = ApplyConnectorKey(p.key, p.value, &defaults_)) {
    if (!why->empty()) Skip(p, *why);
  } else if (std::optional<std::string> worker = WorkerKeyReason(p.key)) {
    Skip(p, *worker);
  } else if (p.key.rfind("consumer.", 0) == 0 || p.key.rfind("producer.", 0) == 0 ||
             p.key.rfind("admin.", 0) == 0) {
    Skip(p,
         "MirrorMaker 2 ignores client settings at the top level (except bootstrap.servers, "
         "security.protocol, ssl.* and sasl.*); set it as <alias>." +
             p.key);
  } else {
    Skip(p, "not a MirrorMaker 2 setting" + Hint(p.key));
  }
}

void Importer::FlowEntry(const Property& p) {
  size_t arrow = p.key.find("->");
  std::string source = p.key.substr(0, arrow);
  std::string rest = p.key.substr(arrow + 2);
  std::string target;
  for (const std::string& a : aliases_) {
    if (rest.rfind(a + ".", 0) == 0 && a.size() > target.size()) target = a;
  }
  bool known_source = std::find(aliases_.begin(), aliases_.end(), source) != aliases_.end();
  if (!known_source || target.empty() || source == target) {
    Skip(p, "names no pair of the aliases in `clusters` (<source>-><target>.<setting>)");
    return;
  }
  flow_keys_[{source, target}].push_back({rest.substr(target.size() + 1), p});
}

std::vector<ClusterOut> Importer::BuildClusters() {
  std::vector<ClusterOut> out;
  for (const std::string& alias : aliases_) {
    ClusterInput& in = clusters_[alias];
    // Top-level security settings apply where the cluster has none (clusterProps).
    for (const auto& [key, v] : top_client_) in.common.emplace(key, v);
    ClusterOut c;
    c.alias = alias;
    TranslateClient(in.common, Role::kCommon, check_, &c.common, &c, &out_.untranslated);
    TranslateClient(in.consumer, Role::kConsumer, check_, &c.consumer, &c, &out_.untranslated);
    TranslateClient(in.producer, Role::kProducer, check_, &c.producer, &c, &out_.untranslated);
    TranslateClient(in.admin, Role::kAdmin, check_, &c.admin, &c, &out_.untranslated);
    out.push_back(std::move(c));
  }
  return out;
}

void Importer::FlowSetting(const FlowKey& k, FlowSettings* s,
                           std::optional<std::string>* start_offset) {
  const std::string& key = k.setting;
  if (key == "enabled") return;
  if (key == "consumer.auto.offset.reset") {
    std::string v = Trim(k.entry.value);
    if (v == "earliest" || v == "latest") {
      *start_offset = v;
      return;
    }
  }
  if (std::optional<std::string> why = ApplyConnectorKey(key, k.entry.value, s)) {
    if (!why->empty()) Skip(k.entry, *why);
  } else if (key.rfind("consumer.", 0) == 0 || key.rfind("producer.", 0) == 0 ||
             key.rfind("admin.", 0) == 0) {
    Skip(k.entry, fmt::format("strait sets client properties per cluster: put it under "
                              "clusters.<alias>.{}",
                              key.substr(0, key.find('.'))));
  } else if (std::optional<std::string> worker = WorkerKeyReason(key)) {
    Skip(k.entry, *worker);
  } else {
    Skip(k.entry, "not a MirrorMaker 2 setting" + Hint(key));
  }
}

std::optional<FlowOut> Importer::BuildFlow(const std::string& source, const std::string& target,
                                           const std::vector<FlowKey>& keys,
                                           const std::map<std::string, ClusterOut>& clusters) {
  auto enabled = std::find_if(keys.begin(), keys.end(),
                              [](const FlowKey& k) { return k.setting == "enabled"; });
  if (enabled == keys.end() || Trim(enabled->entry.value) != "true") {
    // Keys of a flow MirrorMaker 2 does not run: nothing to translate them into.
    for (const FlowKey& k : keys) {
      if (k.setting != "enabled") Skip(k.entry, source + "->" + target + " is not enabled");
    }
    return std::nullopt;
  }
  FlowOut f{source, target, defaults_};
  std::optional<std::string> start = clusters.at(source).start_offset;
  for (const FlowKey& k : keys) FlowSetting(k, &f.settings, &start);
  if (f.settings.sync_topic_acls.value_or(true)) acl_flows_.push_back(source + "->" + target);
  FlowSettings& s = f.settings;
  if (start) s.start_offset = start;
  if (!s.sync_group_offsets) {
    s.sync_group_offsets = kMm2SyncGroupOffsets;
    s.mm2_default_sync_group_offsets = true;
  }
  if (!s.replication_factor) {
    s.replication_factor = kMm2ReplicationFactor;
    s.mm2_default_replication_factor = true;
  }
  // The worker's offsets topic: the target cluster's own setting, overridden by a top-level
  // one (MirrorMakerConfig.workerConfig applies them in that order).
  const ClusterInput& t = clusters_[target];
  if (top_offsets_topic_) {
    s.offsets_topic = Trim(top_offsets_topic_->value);
  } else if (t.offsets_topic) {
    s.offsets_topic = Trim(t.offsets_topic->value);
  }
  return f;
}

Result<Mm2Import> Importer::Run(const std::vector<Property>& all) {
  std::vector<Property> entries = LastValues(all);
  RejectControlCharacters(entries);
  ReadAliases(entries);
  if (!errors_.empty()) return InvalidArgument(fmt::format("{}", fmt::join(errors_, "\n")));
  for (const Property& p : entries) Classify(p);
  // Flows are built after every key was read: a top-level setting written after a flow's
  // keys still applies to it.
  std::vector<ClusterOut> cluster_list = BuildClusters();
  std::map<std::string, ClusterOut> clusters;
  for (const ClusterOut& c : cluster_list) clusters.emplace(c.alias, c);
  std::vector<FlowOut> flows;
  for (const auto& [pair, keys] : flow_keys_) {
    if (auto f = BuildFlow(pair.first, pair.second, keys, clusters)) flows.push_back(*f);
  }
  if (flows.empty()) {
    errors_.push_back(
        fmt::format("{}: no flow is enabled: MirrorMaker 2 runs a flow only with "
                    "<source>-><target>.enabled = true",
                    path_));
  }
  std::set<std::string> used, targets;
  for (const FlowOut& f : flows) {
    used.insert({f.source, f.target});
    targets.insert(f.target);
  }
  for (const auto& [alias, in] : clusters_) {
    if (in.offsets_topic && targets.count(alias) == 0) {
      Skip(*in.offsets_topic, fmt::format("the Connect offsets topic of flows into {}; no "
                                          "enabled flow writes to {}",
                                          alias, alias));
    }
  }
  for (const ClusterOut& c : cluster_list) {
    // An empty value (a line "A.bootstrap.servers" without "=") counts as missing.
    bool has_bootstrap = std::any_of(c.common.begin(), c.common.end(), [](const auto& kv) {
      return kv.first == "bootstrap.servers" && !kv.second.empty();
    });
    if (used.count(c.alias) != 0 && !has_bootstrap) {
      errors_.push_back(
          fmt::format("{}: {}.bootstrap.servers: missing or empty; the cluster {} is in an "
                      "enabled flow",
                      path_, c.alias, c.alias));
    }
  }
  if (!errors_.empty()) return InvalidArgument(fmt::format("{}", fmt::join(errors_, "\n")));
  if (!acl_flows_.empty()) {
    out_.notes.push_back(fmt::format(
        "topic ACLs are copied to the target for {} (sync.topic.acls), as MirrorMaker 2 "
        "did, except that strait never copies ALLOW CREATE, DELETE, ALTER or ALTER_CONFIGS "
        "and removes a copy whose source ACL is gone (docs/security.md, ACL sync)",
        fmt::join(acl_flows_, ", ")));
  }
  std::stable_sort(out_.untranslated.begin(), out_.untranslated.end(),
                   [](const Untranslated& a, const Untranslated& b) { return a.line < b.line; });
  // A top-level key that applies to every cluster is reported once.
  auto same = [](const Untranslated& a, const Untranslated& b) {
    return a.line == b.line && a.key == b.key && a.reason == b.reason;
  };
  out_.untranslated.erase(std::unique(out_.untranslated.begin(), out_.untranslated.end(), same),
                          out_.untranslated.end());
  out_.yaml = WriteStraitYaml(cluster_list, flows, path_);
  return std::move(out_);
}

}  // namespace

Result<Mm2Import> ImportMm2(std::string_view properties, const std::string& path,
                            const PropertyCheck& check) {
  return Importer(path, check).Run(ParseJavaProperties(properties));
}

}  // namespace strait::migrate
