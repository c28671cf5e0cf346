#include "verify/matcher.h"

#include <gtest/gtest.h>

namespace strait::verify {
namespace {

using Kind = Finding::Kind;

// A source partition in memory. Counts how far it was read, so that tests can see the
// matcher streaming instead of loading the partition.
class VectorSource : public SourceCursor {
 public:
  explicit VectorSource(std::vector<SourceRecord> records) : records_(std::move(records)) {}

  Status Start(SourceOffset from) override {
    ++starts;
    while (next_ < records_.size() && records_[next_].offset < from) ++next_;
    return Status::Ok();
  }
  Result<std::optional<SourceRecord>> Next() override {
    if (!error.ok()) return error;
    if (next_ == records_.size()) return std::optional<SourceRecord>();
    ++reads;
    return std::optional<SourceRecord>(records_[next_++]);
  }

  int starts = 0;
  int reads = 0;
  Status error;

 private:
  std::vector<SourceRecord> records_;
  size_t next_ = 0;
};

// Records are told apart by a digest derived from their source offset.
uint64_t DigestOf(int64_t offset) { return static_cast<uint64_t>(1000 + offset); }

// Source offsets [from, to); the digest and timestamp are derived from the offset.
std::vector<SourceRecord> Source(int64_t from, int64_t to) {
  std::vector<SourceRecord> out;
  for (int64_t o = from; o < to; ++o) out.push_back({SourceOffset(o), true, DigestOf(o), 5000 + o});
  return out;
}

// Target records copied from these source offsets, at target offsets 0, 1, 2, ...
std::vector<TargetRecord> Copies(const std::vector<int64_t>& upstream) {
  std::vector<TargetRecord> out;
  for (int64_t u : upstream) {
    out.push_back(
        {TargetOffset(static_cast<int64_t>(out.size())), SourceOffset(u), DigestOf(u), 5000 + u});
  }
  return out;
}

std::vector<int64_t> Iota(int64_t from, int64_t to) {
  std::vector<int64_t> out;
  for (int64_t o = from; o < to; ++o) out.push_back(o);
  return out;
}

MatchResult Check(VectorSource& source, const std::vector<TargetRecord>& target,
                  MatchOptions options = {}) {
  PartitionMatcher m(&source, options);
  for (const TargetRecord& r : target) m.AddTarget(r);
  return m.Finish();
}

std::vector<Finding> Of(const MatchResult& r, Kind kind) {
  std::vector<Finding> out;
  for (const Finding& f : r.findings) {
    if (f.kind == kind) out.push_back(f);
  }
  return out;
}

TEST(PartitionMatcher, EveryRecordOnceInOrderIsClean) {
  VectorSource source(Source(0, 10));
  MatchResult r = Check(source, Copies(Iota(0, 10)));
  EXPECT_TRUE(r.error.ok());
  EXPECT_EQ(r.counts.matched, 10);
  EXPECT_EQ(r.counts.target_records, 10);
  EXPECT_EQ(r.counts.missing + r.counts.duplicated + r.counts.out_of_order + r.counts.different +
                r.counts.not_in_source + r.counts.not_yet_mirrored,
            0);
  EXPECT_EQ(r.checked_from, SourceOffset(0));
  EXPECT_EQ(r.last_mirrored, SourceOffset(9));
  EXPECT_TRUE(r.findings.empty());
}

TEST(PartitionMatcher, AGapIsMissingAsOneRange) {
  VectorSource source(Source(0, 10));
  MatchResult r = Check(source, Copies({0, 1, 2, 5, 6, 7, 8, 9}));
  EXPECT_EQ(r.counts.missing, 2);
  EXPECT_EQ(r.counts.matched, 8);
  ASSERT_EQ(Of(r, Kind::kMissing).size(), 1u);
  EXPECT_EQ(Of(r, Kind::kMissing)[0].first, SourceOffset(3));
  EXPECT_EQ(Of(r, Kind::kMissing)[0].last, SourceOffset(4));
}

TEST(PartitionMatcher, MissingFirstRecordsCountWhenTheFlowStartsAtTheSourceStart) {
  VectorSource source(Source(0, 10));
  MatchResult r = Check(source, Copies(Iota(3, 10)));
  EXPECT_EQ(r.counts.missing, 3);
  VectorSource again(Source(0, 10));
  MatchOptions latest;
  latest.from_source_start = false;  // start.offset latest, or retention on the target
  MatchResult from_first = Check(again, Copies(Iota(3, 10)), latest);
  EXPECT_EQ(from_first.counts.missing, 0);
  EXPECT_EQ(from_first.checked_from, SourceOffset(3));
}

TEST(PartitionMatcher, ASecondCopyIsDuplicated) {
  VectorSource source(Source(0, 5));
  MatchResult r = Check(source, Copies({0, 1, 2, 2, 3, 4, 1}));
  EXPECT_EQ(r.counts.duplicated, 2);
  EXPECT_EQ(r.counts.matched, 5);
  EXPECT_EQ(r.counts.missing, 0);
  std::vector<Finding> dups = Of(r, Kind::kDuplicated);
  ASSERT_EQ(dups.size(), 2u);  // in source-offset order
  EXPECT_EQ(dups[0].first, SourceOffset(1));
  EXPECT_EQ(dups[0].target, TargetOffset(6));
  EXPECT_EQ(dups[1].first, SourceOffset(2));
  EXPECT_EQ(dups[1].target, TargetOffset(3));
}

// 0..9 mirrored, then the source truncated at 6 (an unclean leader election) and its new
// 6, 7 copied after the old copies. One forward read of the source cannot tell that from
// second copies: what verify reports then is documented (operations.md), and said in a note.
TEST(PartitionMatcher, ATruncatedSourceIsReportedAsDocumented) {
  std::vector<SourceRecord> source = Source(0, 6);
  for (int64_t o : {6, 7}) source.push_back({SourceOffset(o), true, DigestOf(o + 100), 5000 + o});
  VectorSource cursor(source);
  PartitionMatcher m(&cursor, {SourceOffset(0)});
  std::vector<TargetRecord> target = Copies(Iota(0, 10));
  for (int64_t o : {6, 7}) {
    target.push_back({TargetOffset(static_cast<int64_t>(target.size())), SourceOffset(o),
                      DigestOf(o + 100), 5000 + o});
  }
  for (const TargetRecord& r : target) m.AddTarget(r);
  MatchResult r = m.Finish();
  EXPECT_EQ(r.counts.matched, 8);
  EXPECT_EQ(r.counts.different, 2);      // the old copies of 6, 7
  EXPECT_EQ(r.counts.not_in_source, 2);  // of 8, 9
  EXPECT_EQ(r.counts.duplicated, 2);     // the copies of the new 6, 7
  EXPECT_EQ(r.counts.missing, 0);
  EXPECT_NE(r.note.find("upstream offsets go down at target offset 10 (source offset 6 after 9)"),
            std::string::npos)
      << r.note;
}

TEST(PartitionMatcher, ALateRecordIsOutOfOrderNotMissing) {
  VectorSource source(Source(0, 10));
  MatchResult r = Check(source, Copies({0, 1, 3, 4, 2, 5, 9, 8, 6, 7}));
  EXPECT_EQ(r.counts.out_of_order, 4);  // 2 after 4; 8, 6 and 7 after 9
  EXPECT_EQ(r.counts.missing, 0);
  EXPECT_EQ(r.counts.duplicated, 0);
  EXPECT_EQ(Of(r, Kind::kOutOfOrder)[0].detail, "after source offset 4");
}

TEST(PartitionMatcher, FillingTheMiddleOfAGapLeavesBothEndsMissing) {
  VectorSource source(Source(0, 10));
  MatchResult r = Check(source, Copies({0, 9, 5}));
  EXPECT_EQ(r.counts.out_of_order, 1);
  EXPECT_EQ(r.counts.missing, 7);  // 1-4 and 6-8
  std::vector<Finding> missing = Of(r, Kind::kMissing);
  ASSERT_EQ(missing.size(), 2u);
  EXPECT_EQ(missing[0].last, SourceOffset(4));
  EXPECT_EQ(missing[1].first, SourceOffset(6));
}

TEST(PartitionMatcher, RecordsAfterTheLastMirroredAreNotYetMirroredNotMissing) {
  VectorSource source(Source(0, 10));
  MatchResult r = Check(source, Copies(Iota(0, 6)));
  EXPECT_EQ(r.counts.missing, 0);
  EXPECT_EQ(r.counts.not_yet_mirrored, 4);
  EXPECT_EQ(r.first_not_mirrored, SourceOffset(6));
}

TEST(PartitionMatcher, OtherOriginsInterleavedAreCountedAndIgnored) {
  VectorSource source(Source(0, 4));
  std::vector<TargetRecord> target;
  for (int64_t u = 0; u < 4; ++u) {
    target.push_back({TargetOffset(2 * u), std::nullopt, 1, 1});  // a local producer's record
    target.push_back({TargetOffset(2 * u + 1), SourceOffset(u), DigestOf(u), 5000 + u});
  }
  MatchResult r = Check(source, target);
  EXPECT_EQ(r.counts.other_records, 4);
  EXPECT_EQ(r.counts.matched, 4);
  EXPECT_TRUE(r.findings.empty());
}

TEST(PartitionMatcher, RecordsTheFlowNeverCopiesAreNotExpected) {
  std::vector<SourceRecord> records = Source(0, 6);
  records[2].mirrored = records[3].mirrored = false;  // came from the target: a loop
  VectorSource source(records);
  MatchResult r = Check(source, Copies({0, 1, 4, 5}));
  EXPECT_EQ(r.counts.missing, 0);
  EXPECT_EQ(r.counts.matched, 4);
  VectorSource again(records);
  MatchResult copied = Check(again, Copies({0, 1, 2, 4, 5}));
  EXPECT_EQ(copied.counts.different, 1);
  EXPECT_EQ(Of(copied, Kind::kDifferent)[0].first, SourceOffset(2));
}

TEST(PartitionMatcher, OffsetsTheSourceSkipsAreNeitherMissingNorUnknown) {
  // Transaction markers, aborted records and compacted records leave holes in the offsets.
  std::vector<SourceRecord> records;
  for (int64_t o : {0, 1, 2, 5, 6, 9}) {
    records.push_back({SourceOffset(o), true, DigestOf(o), 5000 + o});
  }
  VectorSource source(records);
  MatchResult r = Check(source, Copies({0, 1, 2, 5, 6, 9}));
  EXPECT_EQ(r.counts.matched, 6);
  EXPECT_TRUE(r.findings.empty());
  VectorSource again(records);
  MatchResult gap = Check(again, Copies({0, 1, 2, 9}));
  EXPECT_EQ(gap.counts.missing, 2);  // 5 and 6 only; 3, 4, 7, 8 were never records
}

TEST(PartitionMatcher, DifferentContentOrTimestampIsReported) {
  VectorSource source(Source(0, 3));
  std::vector<TargetRecord> target = Copies({0, 1, 2});
  target[1].digest = 7;
  target[2].timestamp_ms = 1;
  MatchResult r = Check(source, target);
  EXPECT_EQ(r.counts.different, 2);
  EXPECT_EQ(r.counts.matched, 3);
  EXPECT_EQ(Of(r, Kind::kDifferent)[1].detail, "timestamp 5002 on the source, 1 on the target");

  VectorSource again(Source(0, 3));
  target[1].digest = 1001;
  target[2].compare_timestamp = false;  // LogAppendTime on the target
  EXPECT_EQ(Check(again, target).counts.different, 0);
}

TEST(PartitionMatcher, AnUpstreamOffsetTheSourceDoesNotHoldIsReported) {
  std::vector<SourceRecord> records = Source(0, 3);
  records.push_back({SourceOffset(4), true, 1004, 5004});
  VectorSource source(records);
  MatchResult r = Check(source, Copies({0, 1, 2, 3, 4, 7}));
  EXPECT_EQ(r.counts.not_in_source, 2);  // 3 (a hole) and 7 (past the source's end)
  EXPECT_EQ(r.counts.matched, 4);
}

TEST(PartitionMatcher, RecordsDeletedAtTheSourceAreCountedNotChecked) {
  VectorSource source(Source(5, 10));
  MatchOptions options;
  options.source_log_start = SourceOffset(5);
  MatchResult r = Check(source, Copies(Iota(0, 10)), options);
  EXPECT_EQ(r.counts.before_source_start, 5);
  EXPECT_EQ(r.counts.matched, 5);
  EXPECT_TRUE(r.findings.empty());
}

TEST(PartitionMatcher, ARecordBelowWhereTheCheckStartedIsOutOfOrder) {
  VectorSource source(Source(0, 10));
  MatchOptions options;
  options.from_source_start = false;
  MatchResult r = Check(source, Copies({5, 6, 7, 2, 8, 9}), options);
  EXPECT_EQ(r.counts.out_of_order, 1);
  EXPECT_EQ(r.counts.duplicated, 0);
}

TEST(PartitionMatcher, NothingMirroredYet) {
  VectorSource source(Source(0, 10));
  MatchResult r = Check(source, {});
  EXPECT_EQ(r.counts.not_yet_mirrored, 10);
  EXPECT_EQ(r.counts.missing, 0);

  VectorSource latest(Source(0, 10));
  MatchOptions options;
  options.from_source_start = false;
  MatchResult unknown = Check(latest, {}, options);
  EXPECT_EQ(unknown.counts.not_yet_mirrored, 0);
  EXPECT_EQ(latest.starts, 0);  // nothing to start from: the source is not read at all
  EXPECT_FALSE(unknown.note.empty());
}

TEST(PartitionMatcher, ReadsTheSourceInStepWithTheTarget) {
  VectorSource source(Source(0, 1'000'000));
  PartitionMatcher m(&source, {});
  for (const TargetRecord& r : Copies(Iota(0, 100))) m.AddTarget(r);
  EXPECT_LE(source.reads, 101);  // one record ahead at most, not the partition
}

TEST(PartitionMatcher, TooManySeparateGapsStopTheCheckWithAnError) {
  VectorSource source(Source(0, 100));
  MatchOptions options;
  options.max_gaps = 3;
  MatchResult r = Check(source, Copies({0, 2, 4, 6, 8, 10}), options);
  EXPECT_FALSE(r.error.ok());
  EXPECT_NE(r.error.message().find("more than 3 separate gaps"), std::string::npos);
}

TEST(PartitionMatcher, ASourceErrorEndsTheCheckAndIsReported) {
  VectorSource source(Source(0, 10));
  source.error = Timeout("dc1[0]: nothing read for 30 s");
  MatchResult r = Check(source, Copies(Iota(0, 10)));
  EXPECT_EQ(r.error.message(), "dc1[0]: nothing read for 30 s");
  EXPECT_EQ(r.counts.matched, 0);
}

TEST(PartitionMatcher, ExamplesAreBoundedPerKind) {
  VectorSource source(Source(0, 100));
  MatchOptions options;
  options.max_examples = 2;
  std::vector<int64_t> upstream = Iota(0, 100);
  for (int i = 0; i < 10; ++i) upstream.push_back(i);
  MatchResult r = Check(source, Copies(upstream), options);
  EXPECT_EQ(r.counts.duplicated, 10);
  EXPECT_EQ(Of(r, Kind::kDuplicated).size(), 2u);
}

TEST(FlowRules, WhichSourceRecordsTheFlowCopies) {
  provenance::Provenance from_dc3{SourceOffset(1), {3}};
  provenance::Provenance via_target{SourceOffset(1), {2, 3}};
  EXPECT_TRUE(FlowCopies(std::nullopt, 2, false));
  EXPECT_TRUE(FlowCopies(from_dc3, 2, false));
  EXPECT_FALSE(FlowCopies(via_target, 2, false));  // has been on cluster 2
  EXPECT_TRUE(FlowCopies(std::nullopt, 2, true));
  EXPECT_FALSE(FlowCopies(from_dc3, 2, true));  // forward: local
}

TEST(FlowRules, TargetRecordsBelongToTheFlowByTheirLastHop) {
  provenance::Provenance from_1{SourceOffset(42), {9, 1}};
  EXPECT_EQ(CopiedFrom(from_1, 1), SourceOffset(42));
  EXPECT_EQ(CopiedFrom(from_1, 9), std::nullopt);  // the origin, not the flow's source
  EXPECT_EQ(CopiedFrom(std::nullopt, 1), std::nullopt);
}

TEST(RecordDigest, TellsNullEmptyAndFieldBoundariesApart) {
  auto digest = [](std::initializer_list<std::optional<std::string_view>> fields) {
    RecordDigest d;
    for (const auto& f : fields) d.Add(f);
    return d.value();
  };
  EXPECT_NE(digest({std::nullopt}), digest({""}));
  EXPECT_NE(digest({"ab", "c"}), digest({"a", "bc"}));
  EXPECT_EQ(digest({"k", "v"}), digest({"k", "v"}));
}

}  // namespace
}  // namespace strait::verify
