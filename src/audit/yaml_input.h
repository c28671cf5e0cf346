// Reads the audit's input files (the operator file, and saved cluster descriptions, which are
// JSON and therefore YAML) with a file, a line, a column and a key in every error. yaml-cpp is
// used for both because it records where each value stood; nlohmann-json does not.
//
// Getters come in two forms: Field*(map, key, path, ...) looks `key` up in `map` and reports a
// missing key at the map's position; Value*(node, fullkey, ...) reads a node already in hand
// (a list item, a map value). All return false after recording an error.
//
// One FileReader per file; it collects every problem so that a user fixes them all at once.
// Not thread-safe.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace strait::audit::internal {

class FileReader {
 public:
  explicit FileReader(std::string path) : path_(std::move(path)) {}

  // Parses `text`; a syntax error comes back with its line and column.
  Result<YAML::Node> Parse(const std::string& text);

  // "<file>:<line>:<column>: <key>: <what>". `node` must be defined.
  void Error(const YAML::Node& node, std::string_view key, std::string_view what);

  bool ExpectMap(const YAML::Node& node, std::string_view key);
  bool ExpectList(const YAML::Node& node, std::string_view key);
  // Reports keys of `map` that are not in `known`.
  void CheckKeys(const YAML::Node& map, std::initializer_list<std::string_view> known,
                 std::string_view path);

  // The value of `key` in `map`; nullopt, after reporting it missing, when absent.
  std::optional<YAML::Node> Field(const YAML::Node& map, std::string_view key,
                                  std::string_view path);

  bool FieldString(const YAML::Node& map, std::string_view key, std::string_view path,
                   std::string* out);
  bool FieldInt32(const YAML::Node& map, std::string_view key, std::string_view path, int64_t min,
                  int32_t* out);
  bool FieldInt64(const YAML::Node& map, std::string_view key, std::string_view path, int64_t* out);
  bool FieldBool(const YAML::Node& map, std::string_view key, std::string_view path, bool* out);
  bool FieldIds(const YAML::Node& map, std::string_view key, std::string_view path,
                std::vector<int32_t>* out);

  bool ValueString(const YAML::Node& node, std::string_view key, std::string* out);
  bool ValueInt(const YAML::Node& node, std::string_view key, int64_t min, int64_t max,
                int64_t* out);
  bool ValueBool(const YAML::Node& node, std::string_view key, bool* out);
  bool ValueIds(const YAML::Node& node, std::string_view key, std::vector<int32_t>* out);

  // OK, or every error found, one per line.
  Status Finish() const;

 private:
  std::string path_;
  std::vector<std::string> errors_;
};

// "key" under "path": "path.key", or "key" at the top.
std::string Join(std::string_view path, std::string_view key);

}  // namespace strait::audit::internal
