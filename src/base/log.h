// Logging for strait and for librdkafka's own messages, one line per event on stderr, as
// key=value text (the default) or as one JSON object per line (log.format: json):
//
//   2026-11-23T08:00:00.123Z level=info component=flow msg="mirroring started" flow=dc1->dc2
//   {"ts":"2026-11-23T08:00:00.123Z","level":"info","component":"flow","msg":"mirroring
//   started","flow":"dc1->dc2"}
//
// Every value passes through Redact() before it is written. Thread-safe after Init().
#pragma once

#include <fmt/format.h>

#include <initializer_list>
#include <string>
#include <string_view>

namespace strait::log {

enum class Level { kTrace, kDebug, kInfo, kWarn, kError, kOff };

// Parses "trace", "debug", "info", "warn", "error", "off".
bool ParseLevel(std::string_view name, Level* level);

enum class LineFormat { kText, kJson };
// Parses "text" and "json".
bool ParseLineFormat(std::string_view name, LineFormat* format);

struct Field {
  template <typename T>
  Field(std::string_view k, const T& v) : key(k), value(fmt::to_string(v)) {}
  Field(std::string_view k, std::string v) : key(k), value(std::move(v)) {}
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  std::string_view key;
  std::string value;
};

using Fields = std::initializer_list<Field>;

// Sets up the stderr sink. Safe to call more than once (tests); the last level wins.
void Init(Level level);
void SetLevel(Level level);
// Switches every later line to `format`; lines already written stay as they were.
void SetLineFormat(LineFormat format);
bool Enabled(Level level);

// Formats `component=... msg="..." k=v ...`, quoting values that need it.
std::string Format(std::string_view component, std::string_view msg, Fields fields);
// Formats `"component":"...","msg":"...","k":"v"`: the members after ts and level, every
// value a JSON string.
std::string FormatJson(std::string_view component, std::string_view msg, Fields fields);

void Write(Level level, std::string_view component, std::string_view msg, Fields fields = {});

inline void Debug(std::string_view c, std::string_view m, Fields f = {}) {
  Write(Level::kDebug, c, m, f);
}
inline void Info(std::string_view c, std::string_view m, Fields f = {}) {
  Write(Level::kInfo, c, m, f);
}
inline void Warn(std::string_view c, std::string_view m, Fields f = {}) {
  Write(Level::kWarn, c, m, f);
}
inline void Error(std::string_view c, std::string_view m, Fields f = {}) {
  Write(Level::kError, c, m, f);
}

}  // namespace strait::log
