#include <cstdio>

#include "cli/commands.h"
#include "config/config.h"

namespace strait::cli {

int RunCheck(const CheckOptions& options) {
  Result<config::Config> config = config::LoadConfigFile(options.config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", config.status().message().c_str());
    return kExitUsage;
  }
  std::printf("config %s is valid: %zu clusters, %zu flows\n", options.config_path.c_str(),
              config->clusters.size(), config->flows.size());
  return kExitOk;
}

}  // namespace strait::cli
