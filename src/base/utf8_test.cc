#include "base/utf8.h"

#include <gtest/gtest.h>

namespace strait {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
  EXPECT_FALSE(FindInvalidUtf8(""));
  EXPECT_FALSE(FindInvalidUtf8("plain ascii\n"));
  EXPECT_FALSE(FindInvalidUtf8("Zürich \xE2\x82\xAC \xF0\x9F\x98\x80"));  // ü, €, 😀
  EXPECT_FALSE(FindInvalidUtf8(std::string("\xEF\xBB\xBF") + "bom"));
}

TEST(Utf8, FindsTheFirstBadByte) {
  EXPECT_EQ(FindInvalidUtf8(std::string("dc\xE4") + "c"), 2u);  // Latin-1 ä
  EXPECT_EQ(FindInvalidUtf8("ab\xC3"), 2u);                     // cut short
  EXPECT_EQ(FindInvalidUtf8("\xC0\xAF"), 0u);                   // overlong '/'
  EXPECT_EQ(FindInvalidUtf8("x\xED\xA0\x80"), 1u);              // a UTF-16 surrogate
  EXPECT_EQ(FindInvalidUtf8("\xF4\x90\x80\x80"), 0u);           // above U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("ok \x80"), 3u);                    // a lone continuation byte
}

TEST(Utf8, PositionCountsLinesAndColumnsFromOne) {
  std::string_view text = "a: 1\nbb: \xE4\n";
  TextPosition p = PositionOf(text, *FindInvalidUtf8(text));
  EXPECT_EQ(p.line, 2);
  EXPECT_EQ(p.column, 5);
  EXPECT_EQ(PositionOf(text, 0).line, 1);
  EXPECT_EQ(PositionOf(text, 0).column, 1);
}

}  // namespace
}  // namespace strait
