// Loading the config file a command names, the way every command reports a bad one.
#pragma once

#include <optional>
#include <string>

#include "config/config.h"

namespace strait::cli {

// The config at `path`; on an error, nullopt after printing it (it names the file, line and
// key) to stderr: the command then exits with kExitUsage.
std::optional<config::Config> LoadConfigOrSay(const std::string& path);

}  // namespace strait::cli
