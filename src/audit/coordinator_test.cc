#include "audit/coordinator.h"

#include <gtest/gtest.h>

#include <limits>

namespace strait::audit {
namespace {

// Expected values come from Java's "...".hashCode().
TEST(JavaStringHashCode, MatchesJavaForAscii) {
  EXPECT_EQ(JavaStringHashCode(""), 0);
  EXPECT_EQ(JavaStringHashCode("a"), 97);
  EXPECT_EQ(JavaStringHashCode("hello"), 99162322);
  EXPECT_EQ(JavaStringHashCode("billing"), -109829509);
}

TEST(JavaStringHashCode, HashesUtf16CodeUnitsNotBytes) {
  EXPECT_EQ(JavaStringHashCode("\xC3\xA9"), 233);              // U+00E9, one unit
  EXPECT_EQ(JavaStringHashCode("\xF0\x9F\x98\x80"), 1772899);  // U+1F600, a surrogate pair
  EXPECT_EQ(JavaStringHashCode("consumer-group-\xC3\xBC"), 147483223);
}

TEST(JavaStringHashCode, MalformedUtf8CountsAsReplacementCharacter) {
  EXPECT_EQ(JavaStringHashCode("\xFF"), 0xFFFD);
  EXPECT_EQ(JavaStringHashCode("\xC3"), 0xFFFD);  // truncated sequence
}

TEST(KafkaAbs, MapsIntegerMinToZero) {
  EXPECT_EQ(KafkaAbs(std::numeric_limits<int32_t>::min()), 0);
  EXPECT_EQ(KafkaAbs(-5), 5);
  EXPECT_EQ(KafkaAbs(5), 5);
}

TEST(CoordinatorPartition, FollowsKafkasFormula) {
  // "polygenelubricants".hashCode() is Integer.MIN_VALUE: Math.abs would stay negative.
  EXPECT_EQ(JavaStringHashCode("polygenelubricants"), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(CoordinatorPartition("polygenelubricants", 50), 0);
  EXPECT_EQ(CoordinatorPartition("g0", 10), 3241 % 10);
  EXPECT_EQ(CoordinatorPartition("billing", 50), 109829509 % 50);
}

}  // namespace
}  // namespace strait::audit
