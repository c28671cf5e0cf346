#include "config/config.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "config/parser.h"
#include "kafka/security.h"

namespace strait::config {
namespace {

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
  return internal::Parser(path, env).Parse(text);
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
