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

}  // namespace
}  // namespace strait::offsets
