#include "base/log.h"

#include <gtest/gtest.h>

#include "base/redact.h"

namespace strait::log {
namespace {

TEST(Log, FormatsKeyValueAndQuotesWhereNeeded) {
  EXPECT_EQ(Format("flow", "mirroring started", {{"flow", "dc1->dc2"}, {"partitions", 12}}),
            "component=flow msg=\"mirroring started\" flow=dc1->dc2 partitions=12");
  EXPECT_EQ(Format("x", "quote\"d", {{"empty", ""}, {"nl", "a\nb"}}),
            "component=x msg=\"quote\\\"d\" empty=\"\" nl=\"a\\nb\"");
}

TEST(Log, FormatsJsonMembersWithEveryValueAString) {
  EXPECT_EQ(
      FormatJson("flow", "mirroring \"started\"", {{"flow", "dc1->dc2"}, {"partitions", 12}}),
      R"("component":"flow","msg":"mirroring \"started\"","flow":"dc1->dc2","partitions":"12")");
  EXPECT_EQ(FormatJson("x", "a\nb\\c", {{"ctl", std::string("\x01")}}),
            R"("component":"x","msg":"a\nb\\c","ctl":"\u0001")");
}

TEST(Log, RedactsSecretsBeforeEscapingThem) {
  RegisterSecret("pa\"ss\\word");
  EXPECT_EQ(FormatJson("x", "m", {{"error", "login with pa\"ss\\word failed"}}),
            R"("component":"x","msg":"m","error":"login with [redacted] failed")");
  EXPECT_EQ(Format("x", "m", {{"error", "login with pa\"ss\\word failed"}}),
            "component=x msg=m error=\"login with [redacted] failed\"");
}

TEST(Log, ParsesLineFormats) {
  LineFormat f = LineFormat::kText;
  EXPECT_TRUE(ParseLineFormat("json", &f));
  EXPECT_EQ(f, LineFormat::kJson);
  EXPECT_FALSE(ParseLineFormat("xml", &f));
}

TEST(Log, ParsesLevels) {
  Level l = Level::kOff;
  EXPECT_TRUE(ParseLevel("warn", &l));
  EXPECT_EQ(l, Level::kWarn);
  EXPECT_FALSE(ParseLevel("loud", &l));
}

}  // namespace
}  // namespace strait::log
