#include "base/strong_types.h"

#include <gtest/gtest.h>

#include <type_traits>

namespace strait {
namespace {

TEST(StrongTypes, SourceAndTargetOffsetsDoNotMix) {
  static_assert(!std::is_convertible_v<SourceOffset, TargetOffset>);
  static_assert(!std::is_convertible_v<int64_t, SourceOffset>);
  SourceOffset a(10);
  SourceOffset b = a + 5;
  EXPECT_EQ(b - a, 5);
  EXPECT_LT(a, b);
  EXPECT_EQ(fmt::format("{}", b), "15");
}

}  // namespace
}  // namespace strait
