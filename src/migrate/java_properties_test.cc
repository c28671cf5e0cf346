#include "migrate/java_properties.h"

#include <gtest/gtest.h>

namespace strait::migrate {
namespace {

TEST(JavaProperties, SeparatorsCommentsAndWhitespace) {
  std::vector<Property> p = ParseJavaProperties(
      "# a comment\n"
      "  ! another\n"
      "\n"
      "a = 1\n"
      "b:2\n"
      "c 3\n"
      "d=\n"
      "e = x # not a comment  \n");
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(p[0].key, "a");
  EXPECT_EQ(p[0].value, "1");
  EXPECT_EQ(p[0].line, 4);
  EXPECT_EQ(p[1].value, "2");
  EXPECT_EQ(p[2].key, "c");
  EXPECT_EQ(p[2].value, "3");
  EXPECT_EQ(p[3].value, "");
  EXPECT_EQ(p[4].value, "x # not a comment  ");  // Java keeps trailing whitespace too
}

TEST(JavaProperties, ContinuationLinesAndEscapes) {
  std::vector<Property> p = ParseJavaProperties(
      "topics = a, \\\n"
      "         b\r\n"
      "path = C:\\\\dir\\\\file\n"
      "us\\-west\\=x = \\u0041\\tB\n"
      "odd = ends\\\\\n"
      "next = 1\n");
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(p[0].value, "a, b");
  EXPECT_EQ(p[0].line, 1);
  EXPECT_EQ(p[1].key, "path");
  EXPECT_EQ(p[1].value, "C:\\dir\\file");
  EXPECT_EQ(p[1].line, 3);
  EXPECT_EQ(p[2].key, "us-west=x");
  EXPECT_EQ(p[2].value, "A\tB");
  EXPECT_EQ(p[3].value, "ends\\");  // an even number of backslashes does not continue
  EXPECT_EQ(p[4].key, "next");
}

// Found by fuzzing: bytes above 0x7f were passed through, and the config written from them
// was not UTF-8. Java reads MirrorMaker 2's file as ISO-8859-1, so 0xA3 is the pound sign.
TEST(JavaProperties, BytesAreLatin1) {
  std::vector<Property> p = ParseJavaProperties("price = 5\xa3\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].value, "5\u00a3");
}

TEST(JavaProperties, DuplicatesAreAllReturned) {
  std::vector<Property> p = ParseJavaProperties("a=1\na=2");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[1].value, "2");
  EXPECT_EQ(p[1].line, 2);
}

}  // namespace
}  // namespace strait::migrate
