// Translation over a target log on librdkafka's mock cluster.
#include "offsets/translator.h"

#include <gtest/gtest.h>

#include "kafka/mock_cluster.h"
#include "kafka/producer.h"
#include "provenance/provenance.h"

namespace strait::offsets {
namespace {

using namespace std::chrono_literals;

constexpr uint64_t kSourceFp = 101;
constexpr uint64_t kOtherFp = 303;

class TranslatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto target = kafka::MockCluster::Create();
    ASSERT_TRUE(target.ok());
    target_ = std::move(target).value();
    ASSERT_TRUE(target_->CreateTopic("dc1.orders", 1).ok());
    // Target offsets 0..6: upstream 0, 1, 2 from the source, 9 and 10 from another cluster,
    // then 5 and 6 from the source (3 and 4 were, say, transaction markers there).
    Write({{kSourceFp, 0},
           {kSourceFp, 1},
           {kSourceFp, 2},
           {kOtherFp, 9},
           {kOtherFp, 10},
           {kSourceFp, 5},
           {kSourceFp, 6}});
    log_ = std::make_unique<provenance::LogSearch>(target_->ClientProperties(), "search", 30s);
  }

  void Write(const std::vector<std::pair<uint64_t, int64_t>>& records) {
    auto producer = kafka::Producer::Create({"writer", target_->ClientProperties(), {}}, {});
    ASSERT_TRUE(producer.ok());
    for (const auto& [fp, upstream] : records) {
      kafka::Headers headers;
      headers.Add(provenance::kProvenanceHeader,
                  provenance::EncodeProvenance({SourceOffset(upstream), {fp}}));
      ASSERT_TRUE(
          (*producer)->Produce({(*producer)->Topic("dc1.orders"), 0, "k", "v", 0, &headers}).ok());
    }
    ASSERT_TRUE((*producer)->Flush(30s).ok());
  }

  std::unique_ptr<kafka::MockCluster> target_;
  std::unique_ptr<provenance::LogSearch> log_;
};

TEST_F(TranslatorTest, FindsTheFirstRecordAtOrAfterTheGroupsPositionAcrossGaps) {
  Translator t(log_.get(), nullptr, kSourceFp, 0);
  auto at = [&](int64_t n) {
    auto r = t.Forward("dc1.orders", PartitionId(0), SourceOffset(n), nullptr);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? r->offset : TargetOffset(-99);
  };
  EXPECT_EQ(at(0), TargetOffset(0));
  EXPECT_EQ(at(2), TargetOffset(2));
  EXPECT_EQ(at(3), TargetOffset(5));  // the source records 3 and 4 never reached the target
  EXPECT_EQ(at(6), TargetOffset(6));
  EXPECT_EQ(at(7), TargetOffset(7));  // everything read: after the last mirrored record
}

TEST_F(TranslatorTest, AGroupAheadOfMirroringWaits) {
  Translator t(log_.get(), nullptr, kSourceFp, 0);
  FlowProgress flow{nullptr, SourceOffset(7)};
  auto r = t.Forward("dc1.orders", PartitionId(0), SourceOffset(9), &flow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, Translation::Kind::kAheadOfMirroring);
}

// The flow runs but the target has acknowledged nothing of the partition yet: its records
// may be landing while the search reads, so the group waits instead of being translated.
TEST_F(TranslatorTest, AGroupWaitsUntilTheFlowHasHadARecordAcknowledged) {
  Translator t(log_.get(), nullptr, kSourceFp, 0);
  OffsetMap empty;
  FlowProgress flow{&empty, std::nullopt};
  auto r = t.Forward("dc1.orders", PartitionId(0), SourceOffset(3), &flow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, Translation::Kind::kAheadOfMirroring) << r->offset;
  flow.acked_next = SourceOffset(7);
  r = t.Forward("dc1.orders", PartitionId(0), SourceOffset(3), &flow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, Translation::Kind::kExact);
  EXPECT_EQ(r->offset, TargetOffset(5));
}

TEST_F(TranslatorTest, PastTheEndWithoutTheFlowSaysWhatMayBeMissing) {
  Translator t(log_.get(), nullptr, kSourceFp, 0);
  auto r = t.Forward("dc1.orders", PartitionId(0), SourceOffset(12), nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, Translation::Kind::kExact);
  EXPECT_EQ(r->offset, TargetOffset(7));
  EXPECT_NE(r->note.find("source offset 6"), std::string::npos) << r->note;
}

// The source was truncated at 5 after 5 and 6 had been mirrored: its new 5 follows on the
// target (at 7), then 6 and 7 (8, 9). A search by source offset meets upstream offsets going down
// and says it cannot answer, rather than send a group to a copy of a record the source lost.
TEST_F(TranslatorTest, ASearchAcrossATruncatedSourceRefuses) {
  Write({{kSourceFp, 5}});
  Translator t(log_.get(), nullptr, kSourceFp, 0);
  auto r = t.Forward("dc1.orders", PartitionId(0), SourceOffset(5), nullptr);
  ASSERT_FALSE(r.ok()) << r->offset;
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("truncated"), std::string::npos) << r.status().message();
  // The flow's own map knows the truncation, and answers exactly.
  OffsetMap map;
  for (int64_t i : {0, 1, 2}) map.Record(SourceOffset(i), TargetOffset(i));
  map.Record(SourceOffset(5), TargetOffset(5));
  map.Record(SourceOffset(6), TargetOffset(6));
  map.Truncate(SourceOffset(5));
  for (int64_t i : {5, 6, 7}) map.Record(SourceOffset(i), TargetOffset(i + 2));
  Write({{kSourceFp, 6}, {kSourceFp, 7}});
  FlowProgress flow{&map, SourceOffset(8)};
  r = t.Forward("dc1.orders", PartitionId(0), SourceOffset(6), &flow);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->offset, TargetOffset(8));
}

// naming: identity both ways between dc1 (the source) and dc2 (the target): each "orders"
// holds its own records (no header) and copies of the other's.
//   dc2: 0 own, 1 dc1:0, 2 dc1:1, 3 own, 4 own, 5 dc1:3, 6 own, 7 dc1:4
//   dc1: 0 own, 1 own, 2 copy of dc2:0, 3 own, 4 own, 5 copy of dc2:3, 6 copy of dc2:4
// dc2:6 is not on dc1 yet (the reverse flow lags).
class InterleavedTranslatorTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kTargetFp = 202;
  using Copy = std::optional<std::pair<uint64_t, int64_t>>;  // nullopt: the cluster's own

  void SetUp() override {
    for (auto* cluster : {&source_, &target_}) {
      auto c = kafka::MockCluster::Create();
      ASSERT_TRUE(c.ok());
      *cluster = std::move(c).value();
      ASSERT_TRUE((*cluster)->CreateTopic("orders", 1).ok());
    }
    Write(*target_, {{},
                     Copy({kSourceFp, 0}),
                     Copy({kSourceFp, 1}),
                     {},
                     {},
                     Copy({kSourceFp, 3}),
                     {},
                     Copy({kSourceFp, 4})});
    target_log_ = std::make_unique<provenance::LogSearch>(target_->ClientProperties(), "t", 30s);
    source_log_ = std::make_unique<provenance::LogSearch>(source_->ClientProperties(), "s", 30s);
  }

  static void Write(const kafka::MockCluster& cluster, const std::vector<Copy>& records) {
    auto producer = kafka::Producer::Create({"writer", cluster.ClientProperties(), {}}, {});
    ASSERT_TRUE(producer.ok());
    for (const Copy& copy : records) {
      kafka::Headers headers;
      if (copy) {
        headers.Add(provenance::kProvenanceHeader,
                    provenance::EncodeProvenance({SourceOffset(copy->second), {copy->first}}));
      }
      ASSERT_TRUE(
          (*producer)->Produce({(*producer)->Topic("orders"), 0, "k", "v", 0, &headers}).ok());
    }
    ASSERT_TRUE((*producer)->Flush(30s).ok());
  }

  TargetOffset At(Translator& t, int64_t n, const FlowProgress* flow = nullptr) {
    auto r = t.Forward("orders", PartitionId(0), SourceOffset(n), flow);
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (!r.ok()) return TargetOffset(-99);
    EXPECT_EQ(r->kind, Translation::Kind::kExact) << n;
    return r->offset;
  }

  std::unique_ptr<kafka::MockCluster> source_, target_;
  std::unique_ptr<provenance::LogSearch> target_log_, source_log_;
};

// One way (dc1 -> dc2 only): the group read none of dc2's own records, and resumes right
// after the last mirrored record it read, so that every own record after it is read.
TEST_F(InterleavedTranslatorTest, OneWayResumesRightAfterTheLastMirroredRecordRead) {
  Write(*source_, {{}, {}, {}, {}, {}});
  Translator t(target_log_.get(), source_log_.get(), kSourceFp, kTargetFp, false,
               RemoteLog::kInterleaved);
  EXPECT_EQ(At(t, 0), TargetOffset(0));  // nothing read: from the log start
  EXPECT_EQ(At(t, 1), TargetOffset(2));
  EXPECT_EQ(At(t, 2), TargetOffset(3));  // not 5: the own records 3 and 4 come first
  EXPECT_EQ(At(t, 3), TargetOffset(3));  // source 2 was never mirrored
  EXPECT_EQ(At(t, 4), TargetOffset(6));  // not 7: the own record 6
  EXPECT_EQ(At(t, 5), TargetOffset(8));
  // Prefix-style translation of the same log jumps over them.
  Translator old(target_log_.get(), nullptr, kSourceFp, kTargetFp);
  EXPECT_EQ(At(old, 2), TargetOffset(5));
}

// The same answers from the running flow's offset map, without reading the target.
TEST_F(InterleavedTranslatorTest, OneWayFromTheOffsetMap) {
  Write(*source_, {{}, {}, {}, {}, {}});
  OffsetMap map;
  for (auto [u, o] : {std::pair{0, 1}, {1, 2}, {3, 5}, {4, 7}}) {
    map.Record(SourceOffset(u), TargetOffset(o));
  }
  FlowProgress flow{&map, SourceOffset(5)};
  Translator t(target_log_.get(), source_log_.get(), kSourceFp, kTargetFp, false,
               RemoteLog::kInterleaved);
  EXPECT_EQ(At(t, 2, &flow), TargetOffset(3));
  EXPECT_EQ(At(t, 4, &flow), TargetOffset(6));
  EXPECT_EQ(At(t, 5, &flow), TargetOffset(8));
}

// Both ways: dc2's own records the group has not read as copies on dc1 bound the position,
// even where that means reading mirrored records again.
TEST_F(InterleavedTranslatorTest, BothWaysNeverSkipsAnOwnRecordNotReadAsACopy) {
  Write(*source_,
        {{}, {}, Copy({kTargetFp, 0}), {}, {}, Copy({kTargetFp, 3}), Copy({kTargetFp, 4})});
  Translator t(target_log_.get(), source_log_.get(), kSourceFp, kTargetFp, false,
               RemoteLog::kInterleaved);
  EXPECT_EQ(At(t, 2), TargetOffset(0));  // dc2:0's copy (dc1:2) is unread: from dc2:0
  EXPECT_EQ(At(t, 3), TargetOffset(3));  // read dc2:0's copy; dc2:3's is next
  EXPECT_EQ(At(t, 5), TargetOffset(3));  // dc1:3 and dc1:4 read, dc2:3 not yet
  EXPECT_EQ(At(t, 6), TargetOffset(4));
  // Everything on dc1 read, but dc2:6 never reached dc1: it is read on dc2.
  EXPECT_EQ(At(t, 7), TargetOffset(6));
  // Twice, to go through what the first call cached.
  EXPECT_EQ(At(t, 7), TargetOffset(6));
}

// Retention deleted dc2:0 on dc2: the group, which has not read its copy, starts at the
// first own record still there instead of before the log start.
TEST_F(InterleavedTranslatorTest, BothWaysNeverAnswersBeforeTheLogStart) {
  Write(*source_,
        {{}, {}, Copy({kTargetFp, 0}), {}, {}, Copy({kTargetFp, 3}), Copy({kTargetFp, 4})});
  ASSERT_TRUE(target_->DeleteRecordsBefore("orders", 0, 1).ok());
  Translator t(target_log_.get(), source_log_.get(), kSourceFp, kTargetFp, false,
               RemoteLog::kInterleaved);
  EXPECT_EQ(At(t, 2), TargetOffset(3));
}

// dc2 has written nothing since its last record copied to dc1: nothing bounds the position.
TEST_F(InterleavedTranslatorTest, BothWaysCaughtUpResumesAfterTheLastMirroredRecord) {
  Write(*source_, {{},
                   {},
                   Copy({kTargetFp, 0}),
                   {},
                   {},
                   Copy({kTargetFp, 3}),
                   Copy({kTargetFp, 4}),
                   Copy({kTargetFp, 6})});
  Translator t(target_log_.get(), source_log_.get(), kSourceFp, kTargetFp, false,
               RemoteLog::kInterleaved);
  EXPECT_EQ(At(t, 8), TargetOffset(8));
}

}  // namespace
}  // namespace strait::offsets
