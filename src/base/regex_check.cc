#include "base/regex_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <regex>

namespace strait {
namespace {

bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// Whether the decimal number in `digits` is over the bound; compared as text first so that no
// number, however long, is converted.
bool Oversized(std::string digits) {
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
  return digits.size() > 3 || (!digits.empty() && std::stoi(digits) > kMaxRepetitionCount);
}

// The end of the run of characters from `from` that satisfy `keep`.
template <typename Keep>
size_t RunEnd(const std::string& s, size_t from, Keep keep) {
  while (from < s.size() && keep(s[from])) ++from;
  return from;
}

// The first back-reference `\n` or repetition count `{n}`, `{n,}`, `{n,m}` (outside character
// classes) whose number is over the bound, as written.
std::optional<std::string> OversizedNumber(const std::string& pattern) {
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      const size_t end = RunEnd(pattern, i + 1, IsDigit);
      if (!in_class && Oversized(pattern.substr(i + 1, end - i - 1))) {
        return pattern.substr(i, end - i);
      }
      i = std::max(end, i + 2) - 1;  // an escaped character is a literal, never a quantifier
      continue;
    }
    if (in_class) {
      in_class = c != ']';
      continue;
    }
    if (c == '[') {
      in_class = true;
      continue;
    }
    if (c != '{') continue;
    const size_t end = RunEnd(pattern, i + 1, [](char d) { return IsDigit(d) || d == ','; });
    const std::string inside = pattern.substr(i + 1, end - i - 1);
    const size_t comma = inside.find(',');
    if (Oversized(inside.substr(0, comma)) ||
        (comma != std::string::npos && Oversized(inside.substr(comma + 1)))) {
      return pattern.substr(i, end - i + (end < pattern.size() && pattern[end] == '}'));
    }
    i = end - 1;
  }
  return std::nullopt;
}

}  // namespace

Status CheckPattern(const std::string& pattern) {
  if (pattern.size() > kMaxPatternLength) {
    return InvalidArgument(fmt::format("the pattern is {} characters long; at most {} are allowed",
                                       pattern.size(), kMaxPatternLength));
  }
  if (std::optional<std::string> number = OversizedNumber(pattern)) {
    return InvalidArgument(fmt::format(
        "the number in {} is over {}: names are at most 249 characters, so no pattern needs more",
        *number, kMaxRepetitionCount));
  }
  try {  // std::regex reports bad patterns only by throwing
    std::regex re(pattern);
  } catch (const std::regex_error& e) {
    return InvalidArgument(e.what());
  }
  return Status::Ok();
}

}  // namespace strait
