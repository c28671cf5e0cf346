#include "offsets/mm2_alignment.h"

#include <gtest/gtest.h>

namespace strait::offsets {
namespace {

// A record whose value is `v` (each letter below stands for a distinct record).
RecordDigest R(int64_t offset, std::string_view v) {
  return DigestRecord(offset, std::nullopt, v, {}, std::nullopt);
}

// Records at consecutive offsets from `first`, one per letter of `values`.
std::vector<RecordDigest> Log(int64_t first, std::string_view values) {
  std::vector<RecordDigest> out;
  for (char c : values) out.push_back(R(first++, std::string_view(&c, 1)));
  return out;
}

AlignResult AlignLogs(const std::vector<RecordDigest>& source,
                      const std::vector<RecordDigest>& target, std::optional<int64_t> anchor,
                      bool complete = true) {
  std::optional<SourceOffset> a;
  if (anchor) a = SourceOffset(*anchor);
  return Align({source, complete, target, complete, a});
}

TEST(Mm2Alignment, StoredOffsetIsTheLastCopy) {
  AlignResult r = AlignLogs(Log(10, "abc"), Log(0, "xyza"), 10);
  ASSERT_EQ(r.kind, AlignResult::Kind::kFound);
  EXPECT_EQ(r.last_copied, SourceOffset(10));
  ASSERT_EQ(r.copies.size(), 1u);
  EXPECT_EQ(r.copies[0], std::make_pair(SourceOffset(10), TargetOffset(3)));
}

TEST(Mm2Alignment, FindsCopiesPastTheStoredOffset) {
  // MirrorMaker 2 stored 10 ("a") but had copied b and c as well before it stopped.
  AlignResult r = AlignLogs(Log(10, "abcde"), Log(5, "xyabc"), 10);
  ASSERT_EQ(r.kind, AlignResult::Kind::kFound);
  EXPECT_EQ(r.last_copied, SourceOffset(12));
  ASSERT_EQ(r.copies.size(), 3u);
  EXPECT_EQ(r.copies.front(), std::make_pair(SourceOffset(10), TargetOffset(7)));
  EXPECT_EQ(r.copies.back(), std::make_pair(SourceOffset(12), TargetOffset(9)));
  EXPECT_EQ(r.source_skipped, 0);
}

TEST(Mm2Alignment, PassesOverARetriedSend) {
  // Connect's producer is not idempotent: "b" landed twice.
  AlignResult r = AlignLogs(Log(10, "abcd"), Log(0, "abbc"), 10);
  ASSERT_EQ(r.kind, AlignResult::Kind::kFound);
  EXPECT_EQ(r.last_copied, SourceOffset(12));
  EXPECT_EQ(r.target_repeats, 1);
  // ... also when the repeat is the partition's last record.
  r = AlignLogs(Log(10, "abcd"), Log(0, "abcc"), 10);
  ASSERT_EQ(r.kind, AlignResult::Kind::kFound);
  EXPECT_EQ(r.last_copied, SourceOffset(12));
}

TEST(Mm2Alignment, PassesOverSourceRecordsNotCopied) {
  // "x" was in an aborted transaction that MirrorMaker 2 (read_committed) did not copy.
  AlignResult r = AlignLogs(Log(10, "axbc"), Log(0, "abc"), 10);
  ASSERT_EQ(r.kind, AlignResult::Kind::kFound);
  EXPECT_EQ(r.last_copied, SourceOffset(13));
  EXPECT_EQ(r.source_skipped, 1);
  EXPECT_EQ(r.copies.size(), 3u);
}

TEST(Mm2Alignment, SourceOffsetsWithGapsKeepTheirOffsets) {
  std::vector<RecordDigest> source = {R(10, "a"), R(14, "b"), R(20, "c")};  // compacted
  AlignResult r = AlignLogs(source, Log(3, "ab"), 10);
  ASSERT_EQ(r.kind, AlignResult::Kind::kFound);
  EXPECT_EQ(r.last_copied, SourceOffset(14));
  EXPECT_EQ(r.copies.back(), std::make_pair(SourceOffset(14), TargetOffset(4)));
}

TEST(Mm2Alignment, AnchorsCopyMustBeThere) {
  // The target ends with a copy of "b", but the record before it is not the stored "a".
  EXPECT_EQ(AlignLogs(Log(10, "abc"), Log(0, "xb"), 10).kind, AlignResult::Kind::kNoMatch);
}

TEST(Mm2Alignment, TargetEndThatIsNoCopy) {
  EXPECT_EQ(AlignLogs(Log(10, "abc"), Log(0, "abq"), 10).kind, AlignResult::Kind::kNoMatch);
}

TEST(Mm2Alignment, AsksForMoreOfEitherLog) {
  // The target's last record is c, but the two records read of the target do not reach
  // back to the anchor's copy.
  EXPECT_EQ(AlignLogs(Log(10, "abc"), Log(7, "bc"), 10, /*complete=*/false).kind,
            AlignResult::Kind::kNeedTarget);
  // The copy of the target's last record is further along the source.
  EXPECT_EQ(AlignLogs(Log(10, "ab"), Log(0, "abc"), 10, /*complete=*/false).kind,
            AlignResult::Kind::kNeedSource);
}

TEST(Mm2Alignment, WithoutAnchorTheFirstCopyOfTheLastRecordDecides) {
  // MirrorMaker 2 stored nothing; the source is read from its log start (offset 3, "b").
  AlignResult r = AlignLogs(Log(3, "bcd"), Log(0, "zbc"), std::nullopt);
  ASSERT_EQ(r.kind, AlignResult::Kind::kFound);
  EXPECT_EQ(r.last_copied, SourceOffset(4));
  EXPECT_EQ(r.copies.size(), 2u);
}

TEST(Mm2Alignment, IdenticalRecordsResolveToTheEarlierOne) {
  // Two identical records cannot be told apart: assuming the fewer copies repeats one of
  // them rather than lose one.
  AlignResult r = AlignLogs(Log(10, "aaa"), Log(0, "xa"), 10);
  ASSERT_EQ(r.kind, AlignResult::Kind::kFound);
  EXPECT_EQ(r.last_copied, SourceOffset(10));
}

TEST(Mm2Alignment, DigestSeesEveryPartOfTheRecord) {
  std::vector<kafka::HeaderView> h1 = {{"a", "1"}, {"b", "2"}};
  std::vector<kafka::HeaderView> h2 = {{"b", "2"}, {"a", "1"}};
  std::vector<kafka::HeaderView> h3 = {{"a", std::nullopt}, {"b", "2"}};
  RecordDigest base = DigestRecord(0, "k", "v", h1, 5);
  EXPECT_TRUE(base.SameContent(DigestRecord(9, "k", "v", h1, 5)));  // offsets do not count
  EXPECT_FALSE(base.SameContent(DigestRecord(0, "k", "v", h2, 5)));
  EXPECT_FALSE(base.SameContent(DigestRecord(0, "k", "v", h3, 5)));
  EXPECT_FALSE(base.SameContent(DigestRecord(0, "k", "v", h1, 6)));
  EXPECT_FALSE(base.SameContent(DigestRecord(0, "k", "v", h1, std::nullopt)));
  EXPECT_FALSE(
      DigestRecord(0, std::nullopt, "v", {}, 5).SameContent(DigestRecord(0, "", "v", {}, 5)));
  EXPECT_FALSE(
      DigestRecord(0, "k", std::nullopt, {}, 5).SameContent(DigestRecord(0, "k", "", {}, 5)));
  EXPECT_FALSE(DigestRecord(0, "kv", "", {}, 5).SameContent(DigestRecord(0, "k", "v", {}, 5)));
}

}  // namespace
}  // namespace strait::offsets
