// FNV-1a, 64 bits: a hash that is the same on every machine and build (std::hash is not),
// for fingerprints that other processes compare. Not for anything an adversary chooses.
#pragma once

#include <cstdint>
#include <string_view>

namespace strait {

inline uint64_t Fnv1a(std::string_view bytes) {
  uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace strait
