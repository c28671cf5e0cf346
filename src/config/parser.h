// The YAML reader behind ParseConfig (config.h), shared by parser.cc (the generic checks:
// keys, scalars, numbers, lists; the whole document) and sections.cc (clusters, flows, http,
// log). Not for use outside config/.
#pragma once

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "config/references.h"

namespace strait::config::internal {

// "a" or "b"; "a", "b" or "c".
std::string JoinOr(const std::vector<std::string>& words);
// "a map", "a list", "nothing"...: what a node is, for error messages.
std::string Describe(const YAML::Node& node);

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
  void ParseGroup(const YAML::Node& node, GroupConfig* group);
  void RefuseSettleInGroupMode(const YAML::Node& flows);

  std::string path_;
  Environment env_;
  std::vector<std::string> errors_;
};

}  // namespace strait::config::internal
