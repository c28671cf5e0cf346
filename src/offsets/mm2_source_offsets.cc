#include "offsets/mm2_source_offsets.h"

#include <limits>
#include <nlohmann/json.hpp>

namespace strait::offsets {

std::string Mm2OffsetsTopic(std::string_view source_alias) {
  return "mm2-offsets." + std::string(source_alias) + ".internal";
}

namespace {

// An integer JSON number within T's range: get<T>() would silently wrap one that is not
// (a partition 4294967296 read as partition 0).
template <typename T>
bool FitsIn(const nlohmann::json& j) {
  if (j.is_number_unsigned()) {
    return j.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max());
  }
  if (!j.is_number_integer()) return false;
  int64_t v = j.get<int64_t>();
  return v >= std::numeric_limits<T>::min() && v <= std::numeric_limits<T>::max();
}

}  // namespace

std::optional<Mm2SourceOffset> DecodeMm2SourceOffset(std::string_view key,
                                                     std::optional<std::string_view> value) {
  // nlohmann reports malformed input by throwing unless told not to; `false` turns that off.
  nlohmann::json k = nlohmann::json::parse(key, nullptr, /*allow_exceptions=*/false);
  if (!k.is_array() || k.size() != 2 || !k[0].is_string() || !k[1].is_object()) return std::nullopt;
  const nlohmann::json& part = k[1];
  auto cluster = part.find("cluster");
  auto topic = part.find("topic");
  auto partition = part.find("partition");
  if (cluster == part.end() || topic == part.end() || partition == part.end() ||
      !cluster->is_string() || !topic->is_string() || !FitsIn<int32_t>(*partition)) {
    return std::nullopt;
  }
  Mm2SourceOffset out{k[0].get<std::string>(),
                      cluster->get<std::string>(),
                      {topic->get<std::string>(), partition->get<int32_t>()},
                      std::nullopt};
  if (!value) return out;
  nlohmann::json v = nlohmann::json::parse(*value, nullptr, /*allow_exceptions=*/false);
  if (!v.is_object()) return std::nullopt;
  auto offset = v.find("offset");
  if (offset == v.end() || !FitsIn<int64_t>(*offset)) return std::nullopt;
  out.last_copied = SourceOffset(offset->get<int64_t>());
  return out;
}

void Mm2SourceOffsets::Apply(std::string_view key, std::optional<std::string_view> value) {
  std::optional<Mm2SourceOffset> o = DecodeMm2SourceOffset(key, value);
  if (!o || o->connector != connector_ || o->cluster != source_alias_) return;
  // MirrorSourceTask treats a negative stored offset as "nothing committed".
  if (o->last_copied && o->last_copied->value() >= 0) {
    stored_[o->partition] = *o->last_copied;
  } else {
    stored_.erase(o->partition);
  }
}

std::optional<SourceOffset> Mm2SourceOffsets::LastCopied(const std::string& topic,
                                                         int32_t partition) const {
  auto it = stored_.find({topic, partition});
  if (it == stored_.end()) return std::nullopt;
  return it->second;
}

}  // namespace strait::offsets
