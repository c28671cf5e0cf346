#include "cli/config_file.h"

#include <cstdio>

namespace strait::cli {

std::optional<config::Config> LoadConfigOrSay(const std::string& path) {
  Result<config::Config> config = config::LoadConfigFile(path);
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", config.status().message().c_str());
    return std::nullopt;
  }
  return std::move(config).value();
}

}  // namespace strait::cli
