#include "kafka/client.h"

#include <gtest/gtest.h>

#include "kafka/message.h"
#include "kafka/producer.h"

namespace strait::kafka {
namespace {

TEST(ValidateProperties, AcceptsKnownProperties) {
  EXPECT_TRUE(ValidateProperties({{"bootstrap.servers", "a:1"}, {"linger.ms", "5"}}, false).ok());
}

TEST(ValidateProperties, NamesAnUnknownProperty) {
  Status s = ValidateProperties({{"linger.msec", "5"}}, false);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "No such configuration property: \"linger.msec\"");
}

TEST(ValidateProperties, NeverEchoesASecretValue) {
  // librdkafka echoes a rejected enum value; pasted into the wrong key, a password would
  // leak through that message if it were not redacted.
  Status s = ValidateProperties(
      {{"sasl.password", "pw-0123456789"}, {"security.protocol", "pw-0123456789"}}, false);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message().find("pw-0123456789"), std::string::npos);
}

// The texts librdkafka 2.15.1 gives a truncated partition (rdkafka_offset.c) with
// auto.offset.reset=error: the consumer error's payload, the reason then the error's name.
TEST(ParseLogTruncation, ReadsWhereTheLeadersLogDiverges) {
  std::optional<LogTruncation> t = ParseLogTruncation(
      "Partition log truncation detected at offset 1000 (leader epoch 3): broker end offset is "
      "900 (offset leader epoch 2). Reset to INVALID.: Local: Partition log truncation "
      "detected (broker 2)");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->diverges_at, 900);
}

TEST(ParseLogTruncation, ATruncationWithoutAPointHasNone) {
  std::optional<LogTruncation> t = ParseLogTruncation(
      "No epoch found less or equal to offset 1000 (leader epoch 3): broker end offset is -1 "
      "(offset leader epoch -1). Reset using configured policy.: Local: Partition log "
      "truncation detected (broker 2)");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->diverges_at, std::nullopt);
  for (const char* text :
       {"Partition log truncation detected at offset 1000 (leader epoch 3): broker end offset "
        "is x",
        "Partition log truncation detected at offset 10: broker end offset is 9: broker end "
        "offset is 8",
        "Partition log truncation detected at offset 10: broker end offset is 9x",
        "Local: Partition log truncation detected"}) {
    t = ParseLogTruncation(text);
    ASSERT_TRUE(t) << text;
    EXPECT_EQ(t->diverges_at, std::nullopt) << text;
  }
}

TEST(ParseLogTruncation, AnOffsetOutOfRangeIsNotATruncation) {
  EXPECT_FALSE(
      ParseLogTruncation("fetch failed due to requested offset not available on the "
                         "broker: Broker: Offset out of range (broker 1)"));
}

TEST(Producer, CreateFailsClearlyOnBadProperties) {
  auto p = Producer::Create({"bad", {{"acks", "most"}}, {}}, {});
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("acks"), std::string::npos) << p.status().message();
}

TEST(Headers, CountsWhatWasAdded) {
  Headers h;
  h.Add("a", "1");
  h.Add("null", std::nullopt);
  EXPECT_EQ(h.size(), 2u);
}

}  // namespace
}  // namespace strait::kafka
