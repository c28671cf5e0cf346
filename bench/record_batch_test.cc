#include "record_batch.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "crc32c.h"
#include "forward_paths.h"
#include "provenance/provenance.h"

namespace strait::bench {
namespace {

std::string Fixture() {
  std::ifstream in(STRAIT_BATCH_FIXTURE_DEFAULT, std::ios::binary);
  return (std::ostringstream() << in.rdbuf()).str();
}

std::vector<std::string_view> Batches(const std::string& bytes) {
  auto batches = SplitBatches(bytes);
  EXPECT_TRUE(batches.ok()) << batches.status().ToString();
  return batches.ok() ? *batches : std::vector<std::string_view>{};
}

// The records of a whole batch (lz4 or uncompressed), in `raw`'s storage.
std::vector<Record> RecordsOf(std::string_view batch, Buffer& raw) {
  BatchHeader h = ReadHeader(batch);
  std::string_view data = batch.substr(batch_field::kRecords);
  if (h.compression() == kLz4) {
    EXPECT_TRUE(Lz4Decompress(data, raw).ok());
    data = raw.view();
  }
  std::vector<Record> records;
  Status s = DecodeRecords(data, h.record_count, records);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return records;
}

std::optional<provenance::Provenance> ProvenanceOf(const Record& r) {
  for (const Header& h : r.headers) {
    if (h.key == provenance::kProvenanceHeader && h.value) {
      return provenance::DecodeProvenance(*h.value);
    }
  }
  return std::nullopt;
}

// `copy` has `source`'s records, a valid CRC, and one header, on its first record only,
// naming the source batch's base offset.
void ExpectProvenanceOnFirstRecordOnly(std::string_view source, std::string_view copy) {
  EXPECT_TRUE(CrcMatches(copy));
  Buffer raw_in, raw_out;
  auto in = RecordsOf(source, raw_in);
  auto copied = RecordsOf(copy, raw_out);
  ASSERT_EQ(copied.size(), in.size());
  ASSERT_TRUE(ProvenanceOf(copied[0]));
  EXPECT_EQ(ProvenanceOf(copied[0])->upstream_offset.value(), ReadHeader(source).base_offset);
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(copied[i].value, in[i].value);
    EXPECT_EQ(copied[i].headers.size(), i == 0 ? 1u : 0u);
  }
}

TEST(Crc32c, MatchesKnownValues) {
  // RFC 3720, B.4, and the usual check value: they cover the 8-byte steps and the tail.
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(std::string(32, '\xFF')), 0x62A8AB43u);
  std::string ascending;
  for (int i = 0; i < 32; ++i) ascending.push_back(static_cast<char>(i));
  EXPECT_EQ(Crc32c(ascending), 0x46DD794Eu);
}

TEST(RecordBatch, RealBatchesFromABrokerCarryTheCrcWeCompute) {
  std::string bytes = Fixture();
  auto batches = Batches(bytes);
  ASSERT_GT(batches.size(), 10u);
  for (std::string_view b : batches) EXPECT_TRUE(CrcMatches(b));
}

TEST(RecordBatch, SplitRefusesATruncatedBatch) {
  std::string bytes = Fixture();
  EXPECT_FALSE(SplitBatches(std::string_view(bytes).substr(0, 1000)).ok());
}

// The fixture's batches and a forwarder; Sent() is what the forwarder would send.
class ForwarderTest : public ::testing::Test {
 protected:
  std::vector<std::string_view> Sent() {
    request_ = std::string(forwarder_.request());
    return Batches(request_);
  }
  // The one batch sent for one source batch; empty when there was not exactly one.
  std::string_view SentOne() {
    auto out = Sent();
    EXPECT_EQ(out.size(), 1u);
    return out.size() == 1 ? out[0] : std::string_view();
  }

  std::string bytes_ = Fixture();
  std::vector<std::string_view> batches_ = Batches(bytes_);
  Forwarder forwarder_{1, 2};

 private:
  std::string request_;
};

TEST_F(ForwarderTest, ForwardRewritesOnlyTheHeaderAndKeepsTheCrcValid) {
  ASSERT_TRUE(forwarder_.Forward(batches_[0]).ok());
  ASSERT_TRUE(forwarder_.Forward(batches_[1]).ok());
  auto out = Sent();
  ASSERT_EQ(out.size(), 2u);
  BatchHeader source = ReadHeader(batches_[1]), second = ReadHeader(out[1]);
  EXPECT_TRUE(CrcMatches(out[1]));
  EXPECT_EQ(second.base_offset, 0);
  EXPECT_EQ(second.producer_id, 4242);
  EXPECT_EQ(second.base_sequence, ReadHeader(batches_[0]).record_count);
  EXPECT_EQ(second.record_count, source.record_count);
  EXPECT_EQ(out[1].substr(batch_field::kRecords), batches_[1].substr(batch_field::kRecords));
}

TEST_F(ForwarderTest, MarkerBatchCarriesTheSourceBaseOffset) {
  ASSERT_TRUE(forwarder_.ForwardWithMarkerBatch(batches_[3]).ok());
  auto out = Sent();
  ASSERT_EQ(out.size(), 2u);
  BatchHeader marker = ReadHeader(out[1]);
  EXPECT_TRUE(CrcMatches(out[1]));
  EXPECT_EQ(marker.compression(), 0);
  EXPECT_EQ(marker.base_sequence, ReadHeader(out[0]).record_count);
  Buffer raw;
  auto records = RecordsOf(out[1], raw);
  ASSERT_EQ(records.size(), 1u);
  auto p = ProvenanceOf(records[0]);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->upstream_offset.value(), ReadHeader(batches_[3]).base_offset);
  EXPECT_EQ(p->path, std::vector<uint64_t>{1});
}

TEST_F(ForwarderTest, FirstRecordHeaderChangesOnlyTheFirstRecord) {
  ASSERT_TRUE(forwarder_.ForwardWithFirstRecordHeader(batches_[2]).ok());
  std::string_view copy = SentOne();
  ASSERT_FALSE(copy.empty());
  ExpectProvenanceOnFirstRecordOnly(batches_[2], copy);
}

TEST_F(ForwarderTest, FirstBlockHeaderCopiesTheOtherBlocksAsTheyAre) {
  ASSERT_TRUE(forwarder_.ForwardWithFirstBlockHeader(batches_[4]).ok());
  std::string_view copy = SentOne();
  ASSERT_FALSE(copy.empty());
  auto frame = SplitLz4Frame(batches_[4].substr(batch_field::kRecords));
  ASSERT_TRUE(frame);
  EXPECT_GT(frame->rest.size(), frame->first_block.size());  // several blocks in a batch
  EXPECT_TRUE(copy.ends_with(frame->rest));
  ExpectProvenanceOnFirstRecordOnly(batches_[4], copy);
}

TEST_F(ForwarderTest, ReencodeKeepsEveryRecordAndNamesItsSourceOffset) {
  ASSERT_TRUE(forwarder_.Reencode(batches_[5]).ok());
  std::string_view sent = SentOne();
  ASSERT_FALSE(sent.empty());
  EXPECT_TRUE(CrcMatches(sent));
  BatchHeader source = ReadHeader(batches_[5]), copy = ReadHeader(sent);
  EXPECT_EQ(copy.compression(), kLz4);
  EXPECT_EQ(copy.last_offset_delta, copy.record_count - 1);
  Buffer raw_in, raw_out;
  auto in = RecordsOf(batches_[5], raw_in);
  auto copied = RecordsOf(sent, raw_out);
  ASSERT_EQ(copied.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(copied[i].key, in[i].key);
    EXPECT_EQ(copied[i].value, in[i].value);
    EXPECT_EQ(copied[i].timestamp_delta, in[i].timestamp_delta);
    ASSERT_TRUE(ProvenanceOf(copied[i]));
    EXPECT_EQ(ProvenanceOf(copied[i])->upstream_offset.value(),
              source.base_offset + in[i].offset_delta);
  }
}

}  // namespace
}  // namespace strait::bench
