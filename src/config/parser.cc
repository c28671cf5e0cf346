// The generic half of the YAML reader (parser.h): keys, scalars with their references,
// numbers, lists, and the whole document.
#include "config/parser.h"

#include <fmt/format.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "base/redact.h"
#include "base/regex_check.h"
#include "base/utf8.h"
#include "base/yaml_kind.h"
#include "config/suggest.h"
#include "kafka/client.h"
#include "kafka/security.h"

namespace strait::config::internal {
namespace {

const std::set<std::string> kRootKeys = {"clusters", "flows", "http", "group", "log"};

}  // namespace

// "a" or "b"; "a", "b" or "c".
std::string JoinOr(const std::vector<std::string>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
    out += words[i];
  }
  return out;
}

// Like YamlKind, but a scalar is quoted: the user sees the value that was wrong.
std::string Describe(const YAML::Node& node) {
  if (node.IsScalar()) return fmt::format("\"{}\"", node.Scalar());
  return std::string(YamlKind(node));
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
    if (Status s = CheckPattern(v); !s.ok()) {
      Error(node, key, fmt::format("\"{}\" is not a valid regular expression: {}", v, s.message()));
      return;
    }
  }
  *out = values;
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
  if (const YAML::Node group = root["group"]) ParseGroup(group, &config.group);
  if (config.group.enabled) RefuseSettleInGroupMode(root["flows"]);
  if (config.group.instance_id.empty()) config.group.instance_id = DefaultInstanceId(config.http);
  if (!errors_.empty()) {
    std::string all;
    for (const std::string& e : errors_) all += (all.empty() ? "" : "\n") + e;
    return InvalidArgument(Redact(all));
  }
  return config;
}

}  // namespace strait::config::internal
