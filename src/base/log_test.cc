#include "base/log.h"

#include <gtest/gtest.h>

namespace strait::log {
namespace {

TEST(Log, FormatsKeyValueAndQuotesWhereNeeded) {
  EXPECT_EQ(Format("flow", "mirroring started", {{"flow", "dc1->dc2"}, {"partitions", 12}}),
            "component=flow msg=\"mirroring started\" flow=dc1->dc2 partitions=12");
  EXPECT_EQ(Format("x", "quote\"d", {{"empty", ""}, {"nl", "a\nb"}}),
            "component=x msg=\"quote\\\"d\" empty=\"\" nl=\"a\\nb\"");
}

TEST(Log, ParsesLevels) {
  Level l = Level::kOff;
  EXPECT_TRUE(ParseLevel("warn", &l));
  EXPECT_EQ(l, Level::kWarn);
  EXPECT_FALSE(ParseLevel("loud", &l));
}

}  // namespace
}  // namespace strait::log
