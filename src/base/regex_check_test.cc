#include "base/regex_check.h"

#include <gtest/gtest.h>

namespace strait {
namespace {

TEST(CheckPatternTest, AcceptsOrdinaryTopicPatterns) {
  EXPECT_TRUE(CheckPattern("orders\\..*").ok());
  EXPECT_TRUE(CheckPattern("[a-z]{2,249}-v[0-9]{1}").ok());
  EXPECT_TRUE(CheckPattern("x{255}").ok());
  EXPECT_TRUE(CheckPattern("x{0255}").ok());  // leading zeros do not make a count larger
  EXPECT_TRUE(CheckPattern("").ok());
}

TEST(CheckPatternTest, RefusesAHugeRepetitionCountBeforeStdRegexOverflowsOnIt) {
  // The config fuzzer's crash: std::regex's compiler overflowed an int on this count.
  Status s = CheckPattern("a{1111111111111111111}");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "the number in {1111111111111111111} is over 255: names are at most 249 "
            "characters, so no pattern needs more");
  EXPECT_FALSE(CheckPattern("(ab){2,100000}").ok());
  EXPECT_FALSE(CheckPattern("a{256,}").ok());
  EXPECT_FALSE(CheckPattern("a{1,256}").ok());
}

TEST(CheckPatternTest, RefusesAHugeBackReferenceBeforeStdRegexOverflowsOnIt) {
  // The config fuzzer's crash input had this in topics.exclude.
  Status s = CheckPattern("orders\\1111111111111111111111111111.tmp.*");
  EXPECT_EQ(s.message(),
            "the number in \\1111111111111111111111111111 is over 255: names are at most 249 "
            "characters, so no pattern needs more");
  EXPECT_TRUE(CheckPattern("(a)\\1").ok());
  EXPECT_TRUE(CheckPattern("a\\.b").ok());
  EXPECT_TRUE(CheckPattern("[\\]]{2}").ok());
}

TEST(CheckPatternTest, BracesInClassesAndEscapesAreLiterals) {
  EXPECT_TRUE(CheckPattern("[{99999}]").ok());
  EXPECT_TRUE(CheckPattern("a\\{99999\\}").ok());
}

TEST(CheckPatternTest, RefusesAnOverlongPattern) {
  Status s = CheckPattern(std::string(1001, 'a'));
  EXPECT_EQ(s.message(), "the pattern is 1001 characters long; at most 1000 are allowed");
}

TEST(CheckPatternTest, PassesOnStdRegexSyntaxErrors) {
  Status s = CheckPattern("orders(");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(s.message().empty());
}

}  // namespace
}  // namespace strait
