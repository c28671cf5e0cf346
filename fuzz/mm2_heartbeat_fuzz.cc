// MirrorMaker 2 heartbeat records (mm2/format.h), as read from a cluster's
// "heartbeats" topic, which every MM2 and strait flow into it writes. Input: a record key and
// value (fuzz_check.h). Properties: decoding never crashes, and a decoded heartbeat encodes
// back to the same bytes.
#include <cstdint>

#include "fuzz/fuzz_check.h"
#include "mm2/format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strait::mm2;
  strait::fuzz::KeyValue record = strait::fuzz::SplitKeyValue(data, size);
  std::optional<Heartbeat> h = DecodeHeartbeat(record.key, record.value);
  if (!h) return 0;
  FUZZ_CHECK(*EncodeHeartbeatKey(*h) == record.key);
  FUZZ_CHECK(EncodeHeartbeatValue(*h) == record.value);
  return 0;
}
