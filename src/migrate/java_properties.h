// Java .properties files, read as java.util.Properties.load reads them (the format of
// MirrorMaker 2's config): '#' or '!' starts a comment only at the start of a line; a key
// ends at the first unescaped '=', ':' or whitespace; a line ending in an odd number of
// backslashes continues on the next one; \t \n \r \f \uXXXX and \<char> are escapes.
// Like Properties.load(InputStream), which MirrorMaker 2 uses, the bytes are ISO-8859-1:
// keys and values come back as UTF-8.
//
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace strait::migrate {

struct Property {
  std::string key;
  std::string value;
  int line = 0;  // 1-based line where the entry starts
};

// Every entry in file order, duplicates included (the last one is the one Java keeps).
std::vector<Property> ParseJavaProperties(std::string_view text);

}  // namespace strait::migrate
