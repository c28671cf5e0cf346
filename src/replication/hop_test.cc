#include "replication/hop.h"

#include <gtest/gtest.h>

#include "provenance/provenance.h"

namespace strait::replication {
namespace {

constexpr uint64_t kDc1 = 1, kDc2 = 2, kDc3 = 3;

std::string Header(std::vector<uint64_t> path, int64_t upstream = 7) {
  return provenance::EncodeProvenance({SourceOffset(upstream), std::move(path)});
}

TEST(Hop, ALocalRecordGetsAProvenanceHeaderNamingItsSource) {
  kafka::Headers out;
  std::vector<kafka::HeaderView> in = {{"a", "1"}};
  EXPECT_EQ(PassOn({true, kDc1, kDc2, false}, SourceOffset(42), in, &out), HopVerdict::kWrite);
  EXPECT_EQ(out.size(), 2u);  // the record's own header, then ours
}

TEST(Hop, ARecordThatWasOnTheTargetBeforeIsALoop) {
  std::string h = Header({kDc2, kDc1});  // written on dc2, mirrored to dc1
  kafka::Headers out;
  EXPECT_EQ(PassOn({true, kDc1, kDc2, false}, SourceOffset(0), {{provenance::kProvenanceHeader, h}},
                   &out),
            HopVerdict::kLoop);
}

TEST(Hop, ForwardLocalDropsWhatCameFromElsewhere) {
  std::string h = Header({kDc3});  // mirrored into dc1 from dc3
  kafka::Headers out;
  EXPECT_EQ(
      PassOn({true, kDc1, kDc2, true}, SourceOffset(0), {{provenance::kProvenanceHeader, h}}, &out),
      HopVerdict::kNotLocal);
  kafka::Headers all;
  EXPECT_EQ(PassOn({true, kDc1, kDc2, false}, SourceOffset(0), {{provenance::kProvenanceHeader, h}},
                   &all),
            HopVerdict::kWrite);
  EXPECT_EQ(all.size(), 1u);  // the old header replaced by one with this hop added
}

TEST(Hop, WithoutHeadersNothingIsAddedOrRecognised) {
  std::string h = Header({kDc2});
  kafka::Headers out;
  EXPECT_EQ(PassOn({false, kDc1, kDc2, false}, SourceOffset(0),
                   {{provenance::kProvenanceHeader, h}}, &out),
            HopVerdict::kWrite);
  EXPECT_EQ(out.size(), 1u);  // passed through as any other header
}

// The data path keeps one scratch for all records: nothing of one record's path may reach the
// next record's header.
TEST(Hop, AScratchKeptAcrossRecordsCarriesNothingOver) {
  HopScratch scratch;
  const Hop hop{true, kDc1, kDc2, false, /*source_topic=*/99};
  kafka::Headers first;
  ASSERT_EQ(PassOn(hop, SourceOffset(42), {{provenance::kProvenanceHeader, Header({kDc3})}}, &first,
                   &scratch),
            HopVerdict::kWrite);
  std::optional<provenance::Provenance> p = provenance::DecodeProvenance(scratch.encoded);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->path, (std::vector<uint64_t>{kDc3, kDc1}));

  kafka::Headers second;
  ASSERT_EQ(PassOn(hop, SourceOffset(43), {}, &second, &scratch), HopVerdict::kWrite);
  p = provenance::DecodeProvenance(scratch.encoded);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->path, (std::vector<uint64_t>{kDc1}));
  EXPECT_EQ(p->upstream_offset, SourceOffset(43));
  EXPECT_EQ(p->source_topic, 99u);
  EXPECT_EQ(provenance::EncodeProvenance(*p), scratch.encoded);
}

}  // namespace
}  // namespace strait::replication
