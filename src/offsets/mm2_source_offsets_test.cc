#include "offsets/mm2_source_offsets.h"

#include <gtest/gtest.h>

namespace strait::offsets {
namespace {

// A key and value as Kafka Connect's JsonConverter (schemas off) writes a
// MirrorSourceConnector offset: MirrorUtils.wrapPartition / wrapOffset.
constexpr std::string_view kKey =
    R"(["MirrorSourceConnector",{"cluster":"dc1","partition":3,"topic":"orders"}])";

TEST(Mm2SourceOffsets, DecodesConnectsJson) {
  std::optional<Mm2SourceOffset> o = DecodeMm2SourceOffset(kKey, R"({"offset":41})");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->connector, "MirrorSourceConnector");
  EXPECT_EQ(o->cluster, "dc1");
  EXPECT_EQ(o->partition, (kafka::TopicPartition{"orders", 3}));
  EXPECT_EQ(o->last_copied, SourceOffset(41));
}

TEST(Mm2SourceOffsets, KeyFieldsInAnyOrder) {
  auto o = DecodeMm2SourceOffset(
      R"(["MirrorSourceConnector",{"topic":"a.b","partition":0,"cluster":"x"}])",
      R"({"offset":9007199254740993})");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->partition.topic, "a.b");
  EXPECT_EQ(o->last_copied, SourceOffset(9007199254740993));  // beyond a double's precision
}

TEST(Mm2SourceOffsets, RejectsWhatIsNotAPartitionOffset) {
  EXPECT_FALSE(DecodeMm2SourceOffset("not json", R"({"offset":1})"));
  EXPECT_FALSE(DecodeMm2SourceOffset(R"(["MirrorCheckpointConnector",{"group":"g"}])", "{}"));
  EXPECT_FALSE(DecodeMm2SourceOffset(kKey, R"({"offset":"1"})"));
  EXPECT_FALSE(DecodeMm2SourceOffset(kKey, "[1]"));
}

// Found by fuzzing: a partition beyond int32 was wrapped (4294967296 read as partition 0).
TEST(Mm2SourceOffsets, RejectsNumbersOutsideTheirRange) {
  auto key = [](const std::string& partition) {
    return R"(["MirrorSourceConnector",{"cluster":"dc1","partition":)" + partition +
           R"(,"topic":"orders"}])";
  };
  EXPECT_FALSE(DecodeMm2SourceOffset(key("4294967296"), R"({"offset":1})"));
  EXPECT_FALSE(DecodeMm2SourceOffset(key("-2147483649"), R"({"offset":1})"));
  EXPECT_FALSE(DecodeMm2SourceOffset(key("3"), R"({"offset":18446744073709551615})"));
  auto max = DecodeMm2SourceOffset(key("2147483647"), R"({"offset":9223372036854775807})");
  ASSERT_TRUE(max);
  EXPECT_EQ(max->partition.partition, 2147483647);
}

TEST(Mm2SourceOffsets, NewestWinsAndANullValueDeletes) {
  Mm2SourceOffsets stored("dc1");
  stored.Apply(kKey, R"({"offset":10})");
  stored.Apply(kKey, R"({"offset":41})");
  EXPECT_EQ(stored.LastCopied("orders", 3), SourceOffset(41));
  stored.Apply(kKey, std::nullopt);
  EXPECT_FALSE(stored.LastCopied("orders", 3));
  stored.Apply(kKey, R"({"offset":-1})");  // MirrorSourceTask's "nothing committed"
  EXPECT_FALSE(stored.LastCopied("orders", 3));
}

TEST(Mm2SourceOffsets, KeepsOnlyThisSourceAndConnector) {
  Mm2SourceOffsets stored("dc1");
  stored.Apply(R"(["MirrorSourceConnector",{"cluster":"dc9","partition":3,"topic":"orders"}])",
               R"({"offset":5})");
  stored.Apply(R"(["other",{"cluster":"dc1","partition":3,"topic":"orders"}])", R"({"offset":5})");
  EXPECT_EQ(stored.size(), 0u);
  EXPECT_EQ(Mm2OffsetsTopic("dc1"), "mm2-offsets.dc1.internal");
}

}  // namespace
}  // namespace strait::offsets
