// What every fuzz target shares: a property check that stops the run with a message (libFuzzer
// then saves the input as a crash artifact), and the split of one input into a Kafka record's
// key and value.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

namespace strait::fuzz {

struct KeyValue {
  std::string_view key;
  std::string_view value;
};

// The first two bytes (big-endian) are the key's length, clamped to what follows; the rest
// after the key is the value. Seeds are written in this form (fuzz/corpus/README.md).
inline KeyValue SplitKeyValue(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (in.size() < 2) return {in, {}};
  size_t key_size = (static_cast<size_t>(data[0]) << 8) | data[1];
  in.remove_prefix(2);
  if (key_size > in.size()) key_size = in.size();
  return {in.substr(0, key_size), in.substr(key_size)};
}

}  // namespace strait::fuzz
