// Which source topics a flow mirrors: the flow's whole-name include and exclude regexes,
// with internal topics always excluded. Immutable after construction; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "base/name_filter.h"

namespace strait::replication {

class TopicFilter {
 public:
  TopicFilter(const std::vector<std::string>& include, const std::vector<std::string>& exclude)
      : names_(include, exclude) {}
  bool Matches(const std::string& topic) const;

 private:
  NameFilter names_;
};

}  // namespace strait::replication
