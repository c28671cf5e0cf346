#include "statuspage/page.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace strait::statuspage {
namespace {

TEST(Page, IsTheWholeDocument) {
  std::string page(PageHtml());
  EXPECT_EQ(page.rfind("<!doctype html>", 0), 0u);
  EXPECT_NE(page.find("</html>"), std::string::npos);
}

// Served on networks without the internet, and never a way to leak who looks at it.
TEST(Page, LoadsNothingFromElsewhere) {
  std::string page(PageHtml());
  std::regex external(R"((src|href)\s*=\s*["']?(https?:)?//)", std::regex::icase);
  EXPECT_FALSE(std::regex_search(page, external));
  EXPECT_EQ(page.find("@import"), std::string::npos);
}

}  // namespace
}  // namespace strait::statuspage
