#include "migrate/java_properties.h"

#include <cctype>
#include <cstdint>

namespace strait::migrate {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\f'; }

// One logical line: natural lines joined where a line ends in an odd number of backslashes,
// leading whitespace of each continuation dropped. Escapes are left for Unescape().
struct LogicalLine {
  std::string text;
  int line = 0;
};

std::vector<LogicalLine> LogicalLines(std::string_view text) {
  std::vector<LogicalLine> out;
  int number = 0;
  size_t pos = 0;
  bool continuing = false;
  while (pos <= text.size()) {
    size_t end = text.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view natural = text.substr(pos, end - pos);
    ++number;
    pos = end + (end + 1 < text.size() && text[end] == '\r' && text[end + 1] == '\n' ? 2 : 1);
    size_t lead = 0;
    while (lead < natural.size() && IsSpace(natural[lead])) ++lead;
    natural.remove_prefix(lead);
    if (!continuing) {
      if (natural.empty() || natural[0] == '#' || natural[0] == '!') {
        if (end >= text.size()) break;
        continue;
      }
      out.push_back({"", number});
    }
    size_t slashes = 0;
    while (slashes < natural.size() && natural[natural.size() - 1 - slashes] == '\\') ++slashes;
    continuing = slashes % 2 == 1;
    if (continuing) natural.remove_suffix(1);
    out.back().text.append(natural);
    if (end >= text.size()) break;
  }
  return out;
}

// Appends the UTF-8 encoding of a \uXXXX escape.
void AppendUtf8(std::string& out, uint32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xe0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
  }
}

// Reads one escaped character at s[*i] (just after a backslash) into out.
void Escape(std::string_view s, size_t* i, std::string& out) {
  char c = s[*i];
  switch (c) {
    case 't':
      out.push_back('\t');
      break;
    case 'n':
      out.push_back('\n');
      break;
    case 'r':
      out.push_back('\r');
      break;
    case 'f':
      out.push_back('\f');
      break;
    case 'u': {
      uint32_t code = 0;
      size_t digits = 0;
      while (digits < 4 && *i + 1 < s.size() &&
             std::isxdigit(static_cast<unsigned char>(s[*i + 1]))) {
        char h = s[++*i];
        code = code * 16 +
               (std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (h | 0x20) - 'a' + 10);
        ++digits;
      }
      AppendUtf8(out, code);
      break;
    }
    default:
      out.push_back(c);
  }
}

Property Split(const LogicalLine& l) {
  std::string_view s = l.text;
  Property p;
  p.line = l.line;
  size_t i = 0;
  for (; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      ++i;
      Escape(s, &i, p.key);
      continue;
    }
    if (s[i] == '=' || s[i] == ':' || IsSpace(s[i])) break;
    p.key.push_back(s[i]);
  }
  while (i < s.size() && IsSpace(s[i])) ++i;
  if (i < s.size() && (s[i] == '=' || s[i] == ':')) ++i;
  while (i < s.size() && IsSpace(s[i])) ++i;
  for (; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      ++i;
      Escape(s, &i, p.value);
    } else {
      p.value.push_back(s[i]);
    }
  }
  return p;
}

}  // namespace

std::vector<Property> ParseJavaProperties(std::string_view text) {
  std::string utf8;
  for (char c : text) AppendUtf8(utf8, static_cast<unsigned char>(c));
  std::vector<Property> out;
  for (const LogicalLine& l : LogicalLines(utf8)) out.push_back(Split(l));
  return out;
}

}  // namespace strait::migrate
