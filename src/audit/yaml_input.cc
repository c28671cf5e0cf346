#include "audit/yaml_input.h"

#include <fmt/format.h>

#include <charconv>

#include "base/utf8.h"
#include "base/yaml_kind.h"

namespace strait::audit::internal {

std::string Join(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}

Result<YAML::Node> FileReader::Parse(const std::string& text) {
  // yaml-cpp passes any bytes through, and what is not UTF-8 cannot be written as JSON later.
  if (std::optional<size_t> bad = FindInvalidUtf8(text)) {
    TextPosition at = PositionOf(text, *bad);
    return InvalidArgument(
        fmt::format("{}:{}:{}: the file is not UTF-8 text (byte 0x{:02x}); save it as UTF-8", path_,
                    at.line, at.column, static_cast<uint8_t>(text[*bad])));
  }
  try {  // yaml-cpp reports syntax errors only by throwing; they end here
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return InvalidArgument(
        fmt::format("{}:{}:{}: {}", path_, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
}

void FileReader::Error(const YAML::Node& node, std::string_view key, std::string_view what) {
  YAML::Mark mark = node.Mark();
  errors_.push_back(fmt::format("{}:{}:{}: {}: {}", path_, std::max(mark.line, 0) + 1,
                                std::max(mark.column, 0) + 1, key, what));
}

bool FileReader::ExpectMap(const YAML::Node& node, std::string_view key) {
  if (node.IsMap()) return true;
  Error(node, key, fmt::format("expected a map, got {}", YamlKind(node)));
  return false;
}

bool FileReader::ExpectList(const YAML::Node& node, std::string_view key) {
  if (node.IsSequence()) return true;
  Error(node, key, fmt::format("expected a list, got {}", YamlKind(node)));
  return false;
}

void FileReader::CheckKeys(const YAML::Node& map, std::initializer_list<std::string_view> known,
                           std::string_view path) {
  for (const auto& kv : map) {
    const std::string& key = kv.first.Scalar();
    bool ok = false;
    for (std::string_view k : known) ok = ok || k == key;
    if (!ok) Error(kv.first, Join(path, key), "unknown key");
  }
}

std::optional<YAML::Node> FileReader::Field(const YAML::Node& map, std::string_view key,
                                            std::string_view path) {
  // yaml-cpp's lookup of a missing key yields a node that throws on use: check first.
  const YAML::Node value = map[std::string(key)];
  if (value.IsDefined()) return value;
  Error(map, Join(path, key), "missing");
  return std::nullopt;
}

bool FileReader::FieldString(const YAML::Node& map, std::string_view key, std::string_view path,
                             std::string* out) {
  std::optional<YAML::Node> v = Field(map, key, path);
  return v && ValueString(*v, Join(path, key), out);
}

bool FileReader::FieldInt32(const YAML::Node& map, std::string_view key, std::string_view path,
                            int64_t min, int32_t* out) {
  std::optional<YAML::Node> v = Field(map, key, path);
  int64_t n = 0;
  if (!v || !ValueInt(*v, Join(path, key), min, INT32_MAX, &n)) return false;
  *out = static_cast<int32_t>(n);
  return true;
}

bool FileReader::FieldInt64(const YAML::Node& map, std::string_view key, std::string_view path,
                            int64_t* out) {
  std::optional<YAML::Node> v = Field(map, key, path);
  return v && ValueInt(*v, Join(path, key), 0, INT64_MAX, out);
}

bool FileReader::FieldBool(const YAML::Node& map, std::string_view key, std::string_view path,
                           bool* out) {
  std::optional<YAML::Node> v = Field(map, key, path);
  return v && ValueBool(*v, Join(path, key), out);
}

bool FileReader::FieldIds(const YAML::Node& map, std::string_view key, std::string_view path,
                          std::vector<int32_t>* out) {
  std::optional<YAML::Node> v = Field(map, key, path);
  return v && ValueIds(*v, Join(path, key), out);
}

bool FileReader::ValueString(const YAML::Node& node, std::string_view key, std::string* out) {
  if (!node.IsScalar()) {
    Error(node, key, fmt::format("expected a single value, got {}", YamlKind(node)));
    return false;
  }
  if (FindInvalidUtf8(node.Scalar())) {
    Error(node, key, kYamlEscapeNotUtf8);
    return false;
  }
  *out = node.Scalar();
  return true;
}

bool FileReader::ValueInt(const YAML::Node& node, std::string_view key, int64_t min, int64_t max,
                          int64_t* out) {
  std::string s;
  if (!ValueString(node, key, &s)) return false;
  int64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size()) {
    Error(node, key, fmt::format("expected a whole number, got \"{}\"", s));
    return false;
  }
  if (n < min || n > max) {
    Error(node, key, fmt::format("expected a number from {} to {}, got {}", min, max, n));
    return false;
  }
  *out = n;
  return true;
}

bool FileReader::ValueBool(const YAML::Node& node, std::string_view key, bool* out) {
  std::string s;
  if (!ValueString(node, key, &s)) return false;
  if (s != "true" && s != "false") {
    Error(node, key, fmt::format("expected true or false, got \"{}\"", s));
    return false;
  }
  *out = s == "true";
  return true;
}

bool FileReader::ValueIds(const YAML::Node& node, std::string_view key, std::vector<int32_t>* out) {
  if (!ExpectList(node, key)) return false;
  out->clear();
  bool ok = true;
  for (const YAML::Node& item : node) {
    int64_t id = 0;
    if (ValueInt(item, key, 0, INT32_MAX, &id)) {
      out->push_back(static_cast<int32_t>(id));
    } else {
      ok = false;
    }
  }
  return ok;
}

Status FileReader::Finish() const {
  if (errors_.empty()) return Status::Ok();
  std::string all;
  for (const std::string& e : errors_) all += (all.empty() ? "" : "\n") + e;
  return InvalidArgument(all);
}

}  // namespace strait::audit::internal
