// What a YAML node is, in the words of an error message ("expected a map, got a list"). Shared
// by the two readers of YAML input: the config (config/parser.cc) and the audit's files
// (audit/yaml_input.cc). Header-only, so that strait_base need not link yaml-cpp.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string_view>

namespace strait {

inline std::string_view YamlKind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return "a single value";
    default:
      return "an undefined value";
  }
}

}  // namespace strait
