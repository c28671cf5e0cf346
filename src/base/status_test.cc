#include "base/status.h"

#include <gtest/gtest.h>

namespace strait {
namespace {

Result<int> Half(int n) {
  if (n % 2 != 0) return InvalidArgument("odd number " + std::to_string(n));
  return n / 2;
}

Result<int> Quarter(int n) {
  STRAIT_ASSIGN_OR_RETURN(int half, Half(n));
  return Half(half);
}

TEST(Status, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "ok");
}

TEST(Status, ContextIsPrefixedAndRetriabilityKept) {
  Status s = Unavailable("broker 1 is down").WithContext("creating topic dc1.orders");
  EXPECT_EQ(s.message(), "creating topic dc1.orders: broker 1 is down");
  EXPECT_TRUE(s.retriable());
  EXPECT_EQ(s.ToString(), "unavailable: creating topic dc1.orders: broker 1 is down");
}

TEST(Result, PropagatesTheFirstError) {
  EXPECT_EQ(Quarter(8).value(), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "odd number 3");
}

TEST(ResultDeathTest, ValueOfErrorAborts) {
  Result<int> r = Half(3);
  EXPECT_DEATH((void)r.value(), "value\\(\\) on a failed Result");
}

}  // namespace
}  // namespace strait
