#include "config/references.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace strait::config {
namespace {

constexpr std::string_view kOpen = "${";

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    return InvalidArgument(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  }
  return buffer.str();
}

// One reference's body, the text between "${" and "}".
Result<std::string> Lookup(std::string_view body, const Environment& env) {
  size_t colon = body.find(':');
  std::string_view kind = body.substr(0, colon);
  std::string arg = colon == std::string_view::npos ? "" : std::string(body.substr(colon + 1));
  std::string shown = fmt::format("${{{}}}", body);
  if (colon == std::string_view::npos || (kind != "env" && kind != "file")) {
    return InvalidArgument(fmt::format(
        "{}: unknown reference; expected ${{env:NAME}} or ${{file:/path}} (write $${{ for a "
        "literal ${{)",
        shown));
  }
  if (arg.empty()) {
    return InvalidArgument(fmt::format("{}: missing the {} after \"{}:\"", shown,
                                       kind == "env" ? "variable name" : "file path", kind));
  }
  if (kind == "env") {
    std::optional<std::string> v = env.variable(arg);
    if (!v) {
      return InvalidArgument(fmt::format("{}: the environment variable {} is not set", shown, arg));
    }
    return *v;
  }
  Result<std::string> contents = env.file(arg);
  if (!contents.ok()) {
    return InvalidArgument(fmt::format("{}: {}", shown, contents.status().message()));
  }
  std::string out = std::move(contents).value();
  // Secret files are usually written by `echo` or an editor: the final newline is not
  // part of the password.
  if (out.ends_with("\r\n")) {
    out.resize(out.size() - 2);
  } else if (out.ends_with('\n')) {
    out.pop_back();
  }
  return out;
}

}  // namespace

Environment Environment::Process() {
  return {[](const std::string& name) -> std::optional<std::string> {
            const char* v = std::getenv(name.c_str());
            return v == nullptr ? std::nullopt : std::optional<std::string>(v);
          },
          &ReadFile};
}

bool HasReference(std::string_view value) { return value.find(kOpen) != std::string_view::npos; }

Result<std::string> Resolve(std::string_view value, const Environment& env) {
  std::string out;
  size_t pos = 0;
  while (pos < value.size()) {
    size_t open = value.find(kOpen, pos);
    if (open == std::string_view::npos) {
      out.append(value.substr(pos));
      break;
    }
    if (open > pos && value[open - 1] == '$') {  // "$${": a literal "${"
      out.append(value.substr(pos, open - 1 - pos));
      out.append(kOpen);
      pos = open + kOpen.size();
      continue;
    }
    out.append(value.substr(pos, open - pos));
    size_t close = value.find('}', open);
    if (close == std::string_view::npos) {
      // The value itself is not echoed: it may be a password that happens to contain "${".
      return InvalidArgument(fmt::format(
          "the \"${{\" at character {} has no closing \"}}\" (write $${{ for a literal ${{)",
          open + 1));
    }
    STRAIT_ASSIGN_OR_RETURN(std::string resolved,
                            Lookup(value.substr(open + 2, close - open - 2), env));
    out.append(resolved);
    pos = close + 1;
  }
  return out;
}

}  // namespace strait::config
