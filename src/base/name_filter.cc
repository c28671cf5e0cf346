#include "base/name_filter.h"

namespace strait {
namespace {

std::vector<std::regex> Compile(const std::vector<std::string>& patterns) {
  std::vector<std::regex> out;
  out.reserve(patterns.size());
  for (const std::string& p : patterns) {
    out.emplace_back(p, std::regex::ECMAScript | std::regex::optimize);
  }
  return out;
}

bool AnyMatch(const std::vector<std::regex>& res, const std::string& name) {
  for (const std::regex& re : res) {
    if (std::regex_match(name, re)) return true;
  }
  return false;
}

}  // namespace

NameFilter::NameFilter(const std::vector<std::string>& include,
                       const std::vector<std::string>& exclude)
    : include_(Compile(include)), exclude_(Compile(exclude)) {}

bool NameFilter::Matches(const std::string& name) const {
  return AnyMatch(include_, name) && !AnyMatch(exclude_, name);
}

}  // namespace strait
