#include "base/redact.h"

#include <gtest/gtest.h>

namespace strait {
namespace {

TEST(Redact, ReplacesEveryRegisteredSecret) {
  RegisterSecret("hunter2-secret");
  RegisterSecret("hunter2");
  EXPECT_EQ(Redact("login failed for password hunter2-secret (hunter2)"),
            "login failed for password [redacted] ([redacted])");
}

TEST(Redact, IgnoresTooShortValues) {
  RegisterSecret("ab");
  EXPECT_EQ(Redact("abc"), "abc");
}

TEST(Redact, RecognisesSecretKeys) {
  EXPECT_TRUE(IsSecretKey("sasl.password"));
  EXPECT_TRUE(IsSecretKey("ssl.key.password"));
  EXPECT_TRUE(IsSecretKey("ssl.key.pem"));
  EXPECT_TRUE(IsSecretKey("sasl.oauthbearer.client.secret"));
  EXPECT_FALSE(IsSecretKey("bootstrap.servers"));
  EXPECT_FALSE(IsSecretKey("sasl.username"));
}

}  // namespace
}  // namespace strait
