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
