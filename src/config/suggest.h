// "Did you mean ...?" for misspelt config keys and cluster aliases.
#pragma once

#include <set>
#include <string>

namespace strait::config {

// The candidate closest to `word` by edit distance, or "" when none is close enough.
std::string Suggest(const std::string& word, const std::set<std::string>& candidates);

}  // namespace strait::config
