#include "offsets/offset_map.h"

#include <gtest/gtest.h>

namespace strait::offsets {
namespace {

using C = OffsetMap::Coverage;

void Mirror(OffsetMap& m, std::initializer_list<std::pair<int64_t, int64_t>> records) {
  for (auto [u, t] : records) m.Record(SourceOffset(u), TargetOffset(t));
}

TEST(OffsetMap, NoGapsMeansEqualShiftEverywhere) {
  OffsetMap m;
  for (int64_t i = 0; i < 100; ++i) m.Record(SourceOffset(i), TargetOffset(i));
  EXPECT_EQ(m.Translate(SourceOffset(0)).target, TargetOffset(0));
  EXPECT_EQ(m.Translate(SourceOffset(42)).coverage, C::kExact);
  EXPECT_EQ(m.Translate(SourceOffset(42)).target, TargetOffset(42));
  auto end = m.Translate(SourceOffset(100));
  EXPECT_EQ(end.coverage, C::kAfterLast);
  EXPECT_EQ(end.target, TargetOffset(100));
}

// A producer reset abandons records in flight that may still reach the target; the
// partition then resumes after whatever the target holds. The map never heard of the
// records in between, so a gap after a break says nothing: the log must be searched.
TEST(OffsetMap, AGapAcrossARestartIsNotKnown) {
  OffsetMap m;
  for (int64_t i = 0; i < 100; ++i) m.Record(SourceOffset(i), TargetOffset(i));
  m.Break();  // 100..149 were abandoned in flight, and landed at target 100..149
  for (int64_t i = 150; i < 200; ++i) m.Record(SourceOffset(i), TargetOffset(i));
  EXPECT_EQ(m.Translate(SourceOffset(120)).coverage, C::kUnknown);
  EXPECT_EQ(m.Translate(SourceOffset(100)).coverage, C::kUnknown);
  EXPECT_EQ(m.Translate(SourceOffset(99)).target, TargetOffset(99));
  EXPECT_EQ(m.Translate(SourceOffset(150)).target, TargetOffset(150));
  EXPECT_EQ(m.Translate(SourceOffset(170)).target, TargetOffset(170));
  EXPECT_EQ(m.Reverse(TargetOffset(120)), std::nullopt);
  // A restart that continues right where the map ends leaves no gap to doubt.
  OffsetMap contiguous;
  for (int64_t i = 0; i < 10; ++i) contiguous.Record(SourceOffset(i), TargetOffset(i));
  contiguous.Break();
  for (int64_t i = 10; i < 20; ++i) contiguous.Record(SourceOffset(i), TargetOffset(i));
  EXPECT_EQ(contiguous.Translate(SourceOffset(15)).target, TargetOffset(15));
}

// An unclean leader election at the source: 0..999 were mirrored, the new leader's log
// diverges at 900, and its own 900.. follow the old copies on the target (at 1000..).
// A group reading the source now reads the new records from 900 on: translation must
// point at their copies, never back among the copies of the lost records.
TEST(OffsetMap, ATruncatedSourceForgetsTheLostRecords) {
  OffsetMap m;
  for (int64_t i = 0; i < 1000; ++i) m.Record(SourceOffset(i), TargetOffset(i));
  m.Truncate(SourceOffset(900));
  // Before anything new is mirrored: after the last copy, not at the lost ones.
  EXPECT_EQ(m.Translate(SourceOffset(900)).coverage, C::kAfterLast);
  EXPECT_EQ(m.Translate(SourceOffset(900)).target, TargetOffset(1000));
  EXPECT_EQ(m.Translate(SourceOffset(899)).target, TargetOffset(899));
  for (int64_t i = 900; i < 950; ++i) m.Record(SourceOffset(i), TargetOffset(i + 100));
  EXPECT_EQ(m.Translate(SourceOffset(900)).coverage, C::kExact);
  EXPECT_EQ(m.Translate(SourceOffset(900)).target, TargetOffset(1000));
  EXPECT_EQ(m.Translate(SourceOffset(920)).target, TargetOffset(1020));
  EXPECT_EQ(m.Translate(SourceOffset(899)).target, TargetOffset(899));
  EXPECT_EQ(m.Translate(SourceOffset(950)).target, TargetOffset(1050));
  // A position among the lost copies has no source offset of today's log.
  EXPECT_EQ(m.Reverse(TargetOffset(950)), std::nullopt);
  EXPECT_EQ(m.Reverse(TargetOffset(1020)), SourceOffset(920));
}

TEST(OffsetMap, ATruncationBelowTheMapEmptiesIt) {
  OffsetMap m;
  Mirror(m, {{10, 0}, {11, 1}, {15, 2}});
  m.Truncate(SourceOffset(5));
  EXPECT_EQ(m.Translate(SourceOffset(10)).coverage, C::kUnknown);
  m.Record(SourceOffset(5), TargetOffset(3));
  EXPECT_EQ(m.Translate(SourceOffset(5)).target, TargetOffset(3));
  EXPECT_EQ(m.Translate(SourceOffset(6)).target, TargetOffset(4));
}

TEST(OffsetMap, CompactedGapsTranslateToTheNextRecord) {
  // Source offsets 3, 4, 8, 9 survived compaction; the target holds them at 0..3.
  OffsetMap m;
  Mirror(m, {{3, 0}, {4, 1}, {8, 2}, {9, 3}});
  EXPECT_EQ(m.Translate(SourceOffset(4)).target, TargetOffset(1));
  // A group that committed 5 (next unread 5, 6, 7 were compacted away) resumes at the
  // record that was source offset 8.
  EXPECT_EQ(m.Translate(SourceOffset(5)).target, TargetOffset(2));
  EXPECT_EQ(m.Translate(SourceOffset(7)).target, TargetOffset(2));
  EXPECT_EQ(m.Translate(SourceOffset(10)).coverage, C::kAfterLast);
  EXPECT_EQ(m.Translate(SourceOffset(10)).target, TargetOffset(4));
}

TEST(OffsetMap, TransactionMarkersAndAbortedRecordsAreGapsToo) {
  // Source: records 0-2 committed, 3 a commit marker, 4-5 aborted, 6 abort marker, 7 ok.
  OffsetMap m;
  Mirror(m, {{0, 0}, {1, 1}, {2, 2}, {7, 3}});
  EXPECT_EQ(m.Translate(SourceOffset(3)).target, TargetOffset(3));
  EXPECT_EQ(m.Translate(SourceOffset(7)).target, TargetOffset(3));
}

TEST(OffsetMap, OlderThanTheMapIsUnknown) {
  OffsetMap m;
  Mirror(m, {{100, 50}, {101, 51}});
  EXPECT_EQ(m.Translate(SourceOffset(99)).coverage, C::kUnknown);
}

TEST(OffsetMap, ForgetsTheOldestRunsPastItsBound) {
  OffsetMap m(/*max_runs=*/2);
  Mirror(m, {{0, 0}, {10, 1}, {20, 2}});
  EXPECT_EQ(m.Translate(SourceOffset(0)).coverage, C::kUnknown);
  EXPECT_EQ(m.Translate(SourceOffset(15)).target, TargetOffset(2));
}

TEST(OffsetMap, ReverseGivesTheSourceOffsetOfATargetPosition) {
  OffsetMap m;
  Mirror(m, {{3, 0}, {4, 1}, {8, 2}, {9, 3}});
  EXPECT_EQ(m.Reverse(TargetOffset(2)), SourceOffset(8));
  EXPECT_EQ(m.Reverse(TargetOffset(4)), std::nullopt);
}

// naming: identity. The target's own records sit between mirrored ones: source 0-2 at
// target 0-2, local records at 3-4, source 3-4 at 5-6, a local record at 7, source 5 at 8.
TEST(OffsetMap, AfterStopsRightAfterTheLastMirroredRecordRead) {
  OffsetMap m;
  Mirror(m, {{0, 0}, {1, 1}, {2, 2}, {3, 5}, {4, 6}, {5, 8}});
  // Read source 0-2: the local records 3 and 4 come next, not source 3 at target 5.
  EXPECT_EQ(m.Translate(SourceOffset(3)).target, TargetOffset(5));
  EXPECT_EQ(m.After(SourceOffset(3)).coverage, C::kExact);
  EXPECT_EQ(m.After(SourceOffset(3)).target, TargetOffset(3));
  EXPECT_EQ(m.After(SourceOffset(4)).target, TargetOffset(6));  // inside a run: the same
  EXPECT_EQ(m.After(SourceOffset(5)).target, TargetOffset(7));  // the local record at 7 next
  EXPECT_EQ(m.After(SourceOffset(6)).target, TargetOffset(9));
  auto end = m.After(SourceOffset(7));
  EXPECT_EQ(end.coverage, C::kAfterLast);
  EXPECT_EQ(end.target, TargetOffset(9));
}

// Source records that are not mirrored (transaction markers, copies of the target's own
// records in an identity both-ways setup) leave a gap in upstream offsets: the consumer
// resumes right after the last record that was mirrored before it.
TEST(OffsetMap, AfterAGapInTheSourceIsAfterTheRecordBeforeIt) {
  OffsetMap m;
  Mirror(m, {{0, 0}, {1, 1}, {5, 4}, {6, 5}});  // source 2-4 not mirrored; target 2-3 local
  EXPECT_EQ(m.After(SourceOffset(3)).target, TargetOffset(2));
  EXPECT_EQ(m.After(SourceOffset(5)).target, TargetOffset(2));
  EXPECT_EQ(m.After(SourceOffset(6)).target, TargetOffset(5));
}

TEST(OffsetMap, AfterIsUnknownBeforeTheMapAndAcrossARestart) {
  OffsetMap m;
  Mirror(m, {{10, 20}, {11, 21}});
  EXPECT_EQ(m.After(SourceOffset(10)).coverage, C::kUnknown);  // read 9: older than the map
  EXPECT_EQ(m.After(SourceOffset(0)).coverage, C::kUnknown);
  m.Break();
  Mirror(m, {{20, 40}});
  EXPECT_EQ(m.After(SourceOffset(15)).coverage, C::kUnknown);
  EXPECT_EQ(m.After(SourceOffset(12)).target, TargetOffset(22));  // before the gap: known
  EXPECT_EQ(m.After(SourceOffset(21)).target, TargetOffset(41));
}

}  // namespace
}  // namespace strait::offsets
