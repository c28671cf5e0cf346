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

// start.offset's log ends become the offsets one look-up answered; a position the target
// gave and an end without an answer stay as they were.
TEST(ApplyLogEnds, ReplacesTheEndsThatWereAnswered) {
  std::vector<std::pair<kafka::TopicPartition, StartPoint>> starts = {
      {{"a", 0}, {StartAt::Earliest(), "start.offset"}},
      {{"a", 1}, {StartAt::Latest(), "start.offset"}},
      {{"a", 2}, {StartAt::Offset(SourceOffset(7)), "target log"}},
      {{"b", 0}, {StartAt::Earliest(), "start.offset"}},
      {{"b", 1}, {StartAt::Earliest(), "start.offset"}}};
  std::vector<kafka::TopicPartitionOffset> answers = {
      {"a", 0, 3}, {"a", 1, 42}, {"a", 2, 99}, {"b", 0, -1}};
  answers.push_back({"b", 1, 5, "", Unavailable("no leader")});
  ApplyLogEnds(answers, &starts);
  EXPECT_EQ(starts[0].second.at, StartAt::Offset(SourceOffset(3)));
  EXPECT_EQ(starts[0].second.from, "start.offset");
  EXPECT_EQ(starts[1].second.at, StartAt::Offset(SourceOffset(42)));
  EXPECT_EQ(starts[2].second.at, StartAt::Offset(SourceOffset(7)));
  EXPECT_EQ(starts[3].second.at, StartAt::Earliest());
  EXPECT_EQ(starts[4].second.at, StartAt::Earliest());
}

}  // namespace
}  // namespace strait::replication
