#include "base/log.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdio>
#include <mutex>

#include "base/redact.h"

namespace strait::log {
namespace {

// Writes formatted lines to stderr after removing secrets.
class RedactingStderrSink : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    std::string line = Redact(std::string_view(formatted.data(), formatted.size()));
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }
};

spdlog::level::level_enum ToSpd(Level level) {
  switch (level) {
    case Level::kTrace:
      return spdlog::level::trace;
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
    case Level::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

std::shared_ptr<spdlog::logger>& Logger() {
  static std::shared_ptr<spdlog::logger> logger;
  return logger;
}

std::once_flag init_once;
std::atomic<LineFormat> line_format{LineFormat::kText};

constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%eZ %v";
// Write() supplies the rest of the object after the timestamp.
constexpr const char* kJsonPattern = "{\"ts\":\"%Y-%m-%dT%H:%M:%S.%eZ\",%v";

void EnsureLogger() {
  std::call_once(init_once, [] {
    auto sink = std::make_shared<RedactingStderrSink>();
    auto logger = std::make_shared<spdlog::logger>("strait", sink);
    // The level is written by Write(): spdlog's own names ("warning") are not the ones
    // key=value readers expect.
    logger->set_pattern(kTextPattern, spdlog::pattern_time_type::utc);
    logger->flush_on(spdlog::level::info);
    logger->set_level(spdlog::level::info);
    Logger() = logger;
  });
}

bool NeedsQuotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      return true;
    }
  }
  return false;
}

// Writes `v` in double quotes with quotes, backslashes and line breaks escaped; JSON also
// needs every other control character as \u00XX.
void AppendQuoted(std::string& out, std::string_view v, bool json) {
  out += '"';
  for (char c : v) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (json && static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<int>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

// Values are redacted before they are escaped: a secret holding a quote or a backslash
// would no longer match once escaped.
void AppendValue(std::string& out, std::string_view raw) {
  std::string v = Redact(raw);
  if (NeedsQuotes(v)) {
    AppendQuoted(out, v, /*json=*/false);
  } else {
    out += v;
  }
}

void AppendJsonString(std::string& out, std::string_view raw) {
  AppendQuoted(out, Redact(raw), /*json=*/true);
}

void AppendJsonMember(std::string& out, std::string_view key, std::string_view value) {
  if (!out.empty()) out += ',';
  AppendJsonString(out, key);
  out += ':';
  AppendJsonString(out, value);
}

}  // namespace

bool ParseLineFormat(std::string_view name, LineFormat* format) {
  if (name == "text") {
    *format = LineFormat::kText;
  } else if (name == "json") {
    *format = LineFormat::kJson;
  } else {
    return false;
  }
  return true;
}

void SetLineFormat(LineFormat format) {
  EnsureLogger();
  line_format.store(format);
  Logger()->set_pattern(format == LineFormat::kJson ? kJsonPattern : kTextPattern,
                        spdlog::pattern_time_type::utc);
}

bool ParseLevel(std::string_view name, Level* level) {
  static constexpr std::pair<std::string_view, Level> kNames[] = {
      {"trace", Level::kTrace}, {"debug", Level::kDebug}, {"info", Level::kInfo},
      {"warn", Level::kWarn},   {"error", Level::kError}, {"off", Level::kOff}};
  for (const auto& [n, l] : kNames) {
    if (n == name) {
      *level = l;
      return true;
    }
  }
  return false;
}

void Init(Level level) {
  EnsureLogger();
  SetLevel(level);
}

void SetLevel(Level level) {
  EnsureLogger();
  Logger()->set_level(ToSpd(level));
}

bool Enabled(Level level) {
  EnsureLogger();
  return Logger()->should_log(ToSpd(level));
}

std::string Format(std::string_view component, std::string_view msg, Fields fields) {
  std::string out = "component=";
  AppendValue(out, component);
  out += " msg=";
  AppendValue(out, msg);
  for (const Field& f : fields) {
    out += ' ';
    out += f.key;
    out += '=';
    AppendValue(out, f.value);
  }
  return out;
}

std::string FormatJson(std::string_view component, std::string_view msg, Fields fields) {
  std::string out;
  AppendJsonMember(out, "component", component);
  AppendJsonMember(out, "msg", msg);
  for (const Field& f : fields) AppendJsonMember(out, f.key, f.value);
  return out;
}

void Write(Level level, std::string_view component, std::string_view msg, Fields fields) {
  if (!Enabled(level)) return;
  static constexpr std::string_view kNames[] = {"trace", "debug", "info", "warn", "error", "off"};
  std::string_view name = kNames[static_cast<int>(level)];
  if (line_format.load() == LineFormat::kJson) {
    Logger()->log(ToSpd(level), "\"level\":\"{}\",{}}}", name, FormatJson(component, msg, fields));
  } else {
    Logger()->log(ToSpd(level), "level={} {}", name, Format(component, msg, fields));
  }
}

}  // namespace strait::log
