// MirrorMaker 2 checkpoint records (mm2/format.h), as read from any cluster's
// "<alias>.checkpoints.internal" topic, where MM2 or another tool may have written them.
// Input: a record key and value (fuzz_check.h). Properties: decoding never crashes; the
// format has one encoding per value, so a decoded checkpoint encodes back to the same bytes;
// and anything decoded can be written and read again unchanged.
#include <cstdint>

#include "fuzz/fuzz_check.h"
#include "mm2/format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strait::mm2;
  strait::fuzz::KeyValue record = strait::fuzz::SplitKeyValue(data, size);
  std::optional<Checkpoint> c = DecodeCheckpoint(record.key, record.value);
  if (!c) return 0;
  FUZZ_CHECK(*EncodeCheckpointKey(*c) == record.key);
  FUZZ_CHECK(*EncodeCheckpointValue(*c) == record.value);
  return 0;
}
