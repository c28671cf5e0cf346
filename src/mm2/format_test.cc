#include "mm2/format.h"

#include <gtest/gtest.h>

namespace strait::mm2 {
namespace {

std::string Hex(const std::string& s) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    if (!out.empty()) out += ' ';
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// Byte examples derived from the layouts in format.h.
TEST(Mm2Format, HeartbeatBytesMatchMirrorMaker) {
  Heartbeat h{"dc1", "dc2", 0x0102030405060708};
  EXPECT_EQ(Hex(*EncodeHeartbeatKey(h)), "00 03 64 63 31 00 03 64 63 32");
  EXPECT_EQ(Hex(EncodeHeartbeatValue(h)), "00 00 01 02 03 04 05 06 07 08");
  auto back = DecodeHeartbeat(*EncodeHeartbeatKey(h), EncodeHeartbeatValue(h));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->timestamp_ms, 0x0102030405060708);
}

TEST(Mm2Format, CheckpointBytesMatchMirrorMaker) {
  Checkpoint c{"g", "dc1.orders", 3, 5, 7, ""};
  EXPECT_EQ(Hex(*EncodeCheckpointKey(c)),
            "00 01 67 00 0a 64 63 31 2e 6f 72 64 65 72 73 00 00 00 03");
  EXPECT_EQ(Hex(*EncodeCheckpointValue(c)),
            "00 00 00 00 00 00 00 00 00 05 00 00 00 00 00 00 00 07 00 00");
  auto back = DecodeCheckpoint(*EncodeCheckpointKey(c), *EncodeCheckpointValue(c));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->group, "g");
  EXPECT_EQ(back->topic, "dc1.orders");
  EXPECT_EQ(back->partition, 3);
  EXPECT_EQ(back->upstream_offset, 5);
  EXPECT_EQ(back->downstream_offset, 7);
}

TEST(Mm2Format, RejectsTruncatedOrUnknownVersions) {
  Checkpoint c{"g", "t", 0, 1, 2, "meta"};
  std::string value = *EncodeCheckpointValue(c);
  EXPECT_FALSE(DecodeCheckpoint(*EncodeCheckpointKey(c), value.substr(0, value.size() - 1)));
  value[1] = 1;  // version 1 does not exist
  EXPECT_FALSE(DecodeCheckpoint(*EncodeCheckpointKey(c), value));
}

// Kafka's STRING holds at most 32,767 bytes: a longer one must be refused, not written with
// a wrapped length that readers take for another record (or none).
TEST(Mm2Format, StringsLongerThanKafkaAllowsAreRefused) {
  const std::string longest(32767, 'm');
  Checkpoint fits{"g", "t", 0, 1, 2, longest};
  auto back = DecodeCheckpoint(*EncodeCheckpointKey(fits), *EncodeCheckpointValue(fits));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->metadata, longest);
  Checkpoint too_long{"g", "t", 0, 1, 2, longest + "m"};
  Result<std::string> refused = EncodeCheckpointValue(too_long);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("metadata is 32768 bytes"), std::string::npos)
      << refused.status().message();
  too_long = {longest + "g", "t", 0, 1, 2, ""};
  EXPECT_FALSE(EncodeCheckpointKey(too_long).ok());
  Heartbeat hb{longest + "a", "dc2", 1};
  EXPECT_FALSE(EncodeHeartbeatKey(hb).ok());
}

TEST(Mm2Format, CheckpointsTopicName) {
  EXPECT_EQ(CheckpointsTopic("dc1", "."), "dc1.checkpoints.internal");
}

}  // namespace
}  // namespace strait::mm2
