// References to secrets kept outside the config file: `${env:NAME}` (an environment
// variable) and `${file:/path}` (a file's contents, without a final newline), anywhere in a
// value; `$${` writes a literal `${`.
//
// Resolve() runs on the config loader's thread; the Environment seam lets tests supply
// variables and files.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace strait::config {

struct Environment {
  // The value of a variable, or nullopt when it is not set.
  std::function<std::optional<std::string>(const std::string& name)> variable;
  // A file's contents, or an error saying why it cannot be read.
  std::function<Result<std::string>(const std::string& path)> file;

  // The process's environment and file system.
  static Environment Process();
};

// `value` with every reference replaced. Errors say which reference failed and why, e.g.
// "${env:DC1_PASSWORD}: the environment variable DC1_PASSWORD is not set".
Result<std::string> Resolve(std::string_view value, const Environment& env);
// Whether `value` contains a reference (so that its resolved value may need redacting).
bool HasReference(std::string_view value);

}  // namespace strait::config
