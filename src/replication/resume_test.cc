#include "replication/resume.h"

#include <gtest/gtest.h>

namespace strait::replication {
namespace {

TEST(ChooseStart, TheSourceLogBoundsWinOverWhatTheTargetSays) {
  StartPoint s = ChooseStart(SourceOffset(100), "source log bounds", SourceOffset(40), "target log",
                             config::StartOffset::kEarliest);
  EXPECT_EQ(s.at, StartAt::Offset(SourceOffset(100)));
  EXPECT_EQ(s.from, "source log bounds");
}

TEST(ChooseStart, ContinuesAfterTheLastRecordOnTheTarget) {
  StartPoint s =
      ChooseStart(std::nullopt, "", SourceOffset(40), "target log", config::StartOffset::kEarliest);
  EXPECT_EQ(s.at, StartAt::Offset(SourceOffset(40)));
  EXPECT_EQ(s.from, "target log");
}

TEST(ChooseStart, FallsBackToStartOffset) {
  EXPECT_EQ(ChooseStart(std::nullopt, "", std::nullopt, "", config::StartOffset::kEarliest).at,
            StartAt::Earliest());
  StartPoint s = ChooseStart(std::nullopt, "", std::nullopt, "", config::StartOffset::kLatest);
  EXPECT_EQ(s.at, StartAt::Latest());
  EXPECT_EQ(s.from, "start.offset");
}

}  // namespace
}  // namespace strait::replication
