// Which source topics a flow mirrors: whole-name include and exclude regexes (ECMAScript
// syntax, std::regex), with internal topics always excluded. Immutable after construction;
// thread-safe.
#pragma once

#include <regex>
#include <string>
#include <vector>

namespace strait::replication {

class NameFilter {
 public:
  // The patterns were validated by the config loader.
  NameFilter(const std::vector<std::string>& include, const std::vector<std::string>& exclude);
  bool Matches(const std::string& name) const;

 private:
  std::vector<std::regex> include_;
  std::vector<std::regex> exclude_;
};

class TopicFilter {
 public:
  TopicFilter(const std::vector<std::string>& include, const std::vector<std::string>& exclude)
      : names_(include, exclude) {}
  bool Matches(const std::string& topic) const;

 private:
  NameFilter names_;
};

}  // namespace strait::replication
