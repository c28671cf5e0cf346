#include "audit/coordinator.h"

#include <limits>

namespace strait::audit {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Decodes one UTF-8 sequence starting at s[*i] and advances *i past it. Kafka sends group ids
// as UTF-8; a malformed sequence becomes U+FFFD, as in Java's decoder.
char32_t NextCodePoint(std::string_view s, size_t* i) {
  auto lead = static_cast<unsigned char>(s[(*i)++]);
  int extra = lead < 0x80             ? 0
              : (lead & 0xE0) == 0xC0 ? 1
              : (lead & 0xF0) == 0xE0 ? 2
              : (lead & 0xF8) == 0xF0 ? 3
                                      : -1;
  if (extra <= 0) return extra == 0 ? lead : kReplacement;
  char32_t cp = lead & (0x3F >> extra);
  for (int k = 0; k < extra; ++k) {
    if (*i >= s.size()) return kReplacement;
    auto c = static_cast<unsigned char>(s[*i]);
    if ((c & 0xC0) != 0x80) return kReplacement;
    cp = (cp << 6) | (c & 0x3F);
    ++*i;
  }
  return cp;
}

}  // namespace

int32_t JavaStringHashCode(std::string_view utf8) {
  // Unsigned arithmetic gives Java's two's-complement overflow without undefined behaviour.
  uint32_t h = 0;
  auto add = [&h](uint32_t unit) { h = 31 * h + unit; };
  for (size_t i = 0; i < utf8.size();) {
    char32_t cp = NextCodePoint(utf8, &i);
    if (cp >= 0x10000) {  // a surrogate pair in UTF-16
      cp -= 0x10000;
      add(0xD800 + (cp >> 10));
      add(0xDC00 + (cp & 0x3FF));
    } else {
      add(cp);
    }
  }
  return static_cast<int32_t>(h);
}

int32_t KafkaAbs(int32_t n) {
  if (n == std::numeric_limits<int32_t>::min()) return 0;
  return n < 0 ? -n : n;
}

int32_t CoordinatorPartition(std::string_view group_id, int32_t partitions) {
  return KafkaAbs(JavaStringHashCode(group_id)) % partitions;
}

}  // namespace strait::audit
