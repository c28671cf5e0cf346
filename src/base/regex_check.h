// Checking a user's regular expression before std::regex compiles it.
//
// libstdc++'s std::regex compiler reads the number of a back-reference `\n` or a repetition
// `{n}` into a plain int (a long run of digits overflows it: undefined behaviour, found by the
// config fuzzer) and expands a repetition into n copies of the repeated state machine
// (`{100000}` exhausts memory). Topic and group names are at most 249 characters, so no
// meaningful pattern needs a larger number; CheckPattern refuses larger numbers and over-long
// patterns with a message a person can act on, then lets std::regex report every other error.
#pragma once

#include <string>

#include "base/status.h"

namespace strait {

inline constexpr int kMaxRepetitionCount = 255;  // also bounds back-references
inline constexpr size_t kMaxPatternLength = 1000;

// OK when `pattern` is an ECMAScript regular expression std::regex can compile within the
// bounds above; InvalidArgument with the reason otherwise (the caller adds where it came from).
Status CheckPattern(const std::string& pattern);

}  // namespace strait
