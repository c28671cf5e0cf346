// UTF-8 validation for text read from files. YAML and JSON are Unicode text, but yaml-cpp
// passes any bytes through; strings that are not UTF-8 would later make JSON output (status,
// reports, saved descriptions) fail. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace strait {

// The offset of the first byte that does not belong to a well-formed UTF-8 sequence (RFC 3629:
// no overlong forms, no surrogates, nothing above U+10FFFF), or nullopt for valid text.
std::optional<size_t> FindInvalidUtf8(std::string_view text);

// For a YAML value that is not UTF-8 although its file is: yaml-cpp decodes the escapes "\N"
// and "\_" to the single bytes 0x85 and 0xA0 instead of their UTF-8 forms.
inline constexpr std::string_view kYamlEscapeNotUtf8 =
    "not valid UTF-8 after decoding its escapes (\\N and \\_ are not supported): write the "
    "character itself";

// The 1-based line and column of a byte offset in text, for error messages.
struct TextPosition {
  int line = 1;
  int column = 1;
};
TextPosition PositionOf(std::string_view text, size_t offset);

}  // namespace strait
