// MirrorMaker 2's source offsets (offsets/mm2_source_offsets.h), as read from the Connect
// worker's offsets topic that a running MirrorMaker 2 (or anything else) writes: a JSON key
// and a JSON value (fuzz_check.h splits the input; a value starting with 0xFF stands for a
// null value). Properties: decoding never crashes or throws, and what it decodes is what the
// JSON says: the partition and offset numbers are the JSON's, not a truncation of them.
#include <cstdint>
#include <nlohmann/json.hpp>

#include "fuzz/fuzz_check.h"
#include "offsets/mm2_source_offsets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strait::offsets;
  strait::fuzz::KeyValue record = strait::fuzz::SplitKeyValue(data, size);
  std::optional<std::string_view> value = record.value;
  if (!record.value.empty() && static_cast<uint8_t>(record.value[0]) == 0xFF) value.reset();
  std::optional<Mm2SourceOffset> o = DecodeMm2SourceOffset(record.key, value);
  Mm2SourceOffsets offsets("dc1");
  offsets.Apply(record.key, value);
  if (!o) return 0;
  nlohmann::json key = nlohmann::json::parse(record.key);
  FUZZ_CHECK(key[1]["partition"] == o->partition.partition);
  FUZZ_CHECK(key[1]["topic"] == o->partition.topic);
  if (o->last_copied) {
    FUZZ_CHECK(nlohmann::json::parse(*value)["offset"] == o->last_copied->value());
  }
  return 0;
}
