// Whole-name regex filters (ECMAScript syntax): a name passes if it matches one of the
// include patterns and none of the exclude patterns. Used for topics, groups and config
// keys. Immutable after construction; thread-safe.
#pragma once

#include <regex>
#include <string>
#include <vector>

namespace strait {

class NameFilter {
 public:
  // The patterns must be valid (the config loader checked them).
  NameFilter(const std::vector<std::string>& include, const std::vector<std::string>& exclude);
  bool Matches(const std::string& name) const;

 private:
  std::vector<std::regex> include_;
  std::vector<std::regex> exclude_;
};

}  // namespace strait
