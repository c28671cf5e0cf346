#include "offsets/mm2_takeover.h"

#include <gtest/gtest.h>

#include <map>

namespace strait::offsets {
namespace {

constexpr uint64_t kSourceFingerprint = 0x5eed;

struct FakeRecord {
  int64_t offset = 0;
  std::string value;
  int64_t timestamp_ms = 0;
  bool log_append_time = false;
  uint64_t strait_upstream = 0;  // a strait provenance header from this cluster
};

struct FakePartition {
  int64_t low = 0;
  std::vector<FakeRecord> records;  // ascending offsets from `low`
  int64_t high() const { return records.empty() ? low : records.back().offset + 1; }
};

// One cluster in memory: partitions of topics, and the records Scan() returns.
class FakeReader : public PartitionReader {
 public:
  std::map<kafka::TopicPartition, FakePartition> partitions;
  std::map<std::string, std::vector<std::pair<std::string, std::optional<std::string>>>> scans;
  int64_t records_read = 0;

  Result<kafka::Watermarks> Bounds(const std::string& topic, int32_t partition) override {
    auto it = partitions.find({topic, partition});
    if (it == partitions.end()) return NotFound(topic + " does not exist");
    return kafka::Watermarks{it->second.low, it->second.high()};
  }
  Result<std::vector<RecordDigest>> Read(const std::string& topic, int32_t partition, int64_t from,
                                         int64_t until, bool with_timestamps) override {
    std::vector<RecordDigest> out;
    for (const FakeRecord& r : partitions.at({topic, partition}).records) {
      if (r.offset < from || r.offset >= until) continue;
      RecordDigest d =
          DigestRecord(r.offset, std::nullopt, r.value, {},
                       with_timestamps ? std::optional<int64_t>(r.timestamp_ms) : std::nullopt);
      d.log_append_time = r.log_append_time;
      d.strait_upstream_cluster = r.strait_upstream;
      out.push_back(d);
      ++records_read;
    }
    return out;
  }
  Status Scan(const std::string& topic, const RecordFn& fn) override {
    auto it = scans.find(topic);
    if (it == scans.end()) return NotFound(topic + " does not exist");
    for (const auto& [k, v] : it->second) {
      fn(k, v ? std::optional<std::string_view>(*v) : std::nullopt);
    }
    return Status::Ok();
  }
};

std::string Value(int64_t source_offset) { return "v" + std::to_string(source_offset); }

// A source partition of `n` records from offset 0, with timestamps 1000 + offset.
FakePartition Source(int64_t n) {
  FakePartition p;
  for (int64_t i = 0; i < n; ++i) p.records.push_back({i, Value(i), 1000 + i});
  return p;
}

// MirrorMaker 2's copies of source offsets [first, last] at target offsets from `at`.
void Copy(FakePartition& target, int64_t first, int64_t last, int64_t at) {
  for (int64_t i = first; i <= last; ++i) target.records.push_back({at++, Value(i), 1000 + i});
}

std::string StoredKey(const std::string& topic, int32_t partition) {
  return R"(["MirrorSourceConnector",{"cluster":"dc1","partition":)" + std::to_string(partition) +
         R"(,"topic":")" + topic + R"("}])";
}

class Mm2TakeoverTest : public testing::Test {
 protected:
  void SetUp() override {
    source_ = new FakeReader;
    target_ = new FakeReader;
    target_->scans["mm2-offsets.dc1.internal"] = {};
  }
  void TearDown() override {
    delete source_;
    delete target_;
  }
  void Store(int64_t last_copied) {
    target_->scans["mm2-offsets.dc1.internal"].push_back(
        {StoredKey("t", 0), R"({"offset":)" + std::to_string(last_copied) + "}"});
  }
  Result<std::optional<Mm2Resume>> Resume(int64_t max_records = 1000000) {
    Mm2TakeoverOptions options{"dc1", "mm2-offsets.dc1.internal", kSourceFingerprint, false,
                               max_records};
    Mm2Takeover takeover(options, std::unique_ptr<PartitionReader>(source_),
                         std::unique_ptr<PartitionReader>(target_), nullptr);
    source_ = target_ = nullptr;  // owned by `takeover` now
    return takeover.Resume("t", 0, "dc1.t");
  }
  FakePartition& source() { return source_->partitions[{"t", 0}]; }
  FakePartition& target() { return target_->partitions[{"dc1.t", 0}]; }

  FakeReader* source_ = nullptr;
  FakeReader* target_ = nullptr;
};

TEST_F(Mm2TakeoverTest, ContinuesAfterTheStoredOffsetWhenNothingFollowedIt) {
  source() = Source(150);
  Copy(target(), 0, 99, 0);
  Store(99);  // SIGTERM: MirrorMaker 2 stored its last copy
  auto r = Resume();
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->start, SourceOffset(100));
  EXPECT_EQ((*r)->copies.size(), 1u);
}

TEST_F(Mm2TakeoverTest, ContinuesAfterTheCopiesMadeSinceTheStoredOffset) {
  source() = Source(150);
  Copy(target(), 0, 129, 0);
  Store(99);  // kill -9: 30 copies after the last stored position
  auto r = Resume();
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->start, SourceOffset(130));
  ASSERT_EQ((*r)->copies.size(), 31u);
  EXPECT_EQ((*r)->copies.front(), std::make_pair(SourceOffset(99), TargetOffset(99)));
  EXPECT_NE((*r)->detail.find("copied 30 records after it"), std::string::npos) << (*r)->detail;
}

TEST_F(Mm2TakeoverTest, CopiesFarPastTheStoredOffsetAreReachedInGrowingReads) {
  source() = Source(100000);
  target().low = 0;
  target().records.push_back({0, "created by someone before MirrorMaker 2", 1});
  Copy(target(), 100, 8000, 1);
  Store(100);
  FakeReader* source_reader = source_;
  int64_t source_read = 0;
  {
    Mm2TakeoverOptions options{"dc1", "mm2-offsets.dc1.internal", kSourceFingerprint, false,
                               1000000};
    Mm2Takeover takeover(options, std::unique_ptr<PartitionReader>(source_),
                         std::unique_ptr<PartitionReader>(target_), nullptr);
    source_ = target_ = nullptr;  // owned by `takeover` now
    auto r = takeover.Resume("t", 0, "dc1.t");
    ASSERT_TRUE(r.ok()) << r.status().message();
    ASSERT_TRUE(r->has_value());
    EXPECT_EQ((*r)->start, SourceOffset(8001));
    source_read = source_reader->records_read;
  }
  // Reads grow by a factor: they stop a few reads past the last copy, far short of the
  // source's end (99,900 records after the stored offset).
  EXPECT_LT(source_read, 30000);
}

TEST_F(Mm2TakeoverTest, NothingToTakeOverWhereMirrorMakerNeverCopied) {
  source() = Source(10);
  target() = FakePartition{};
  auto r = Resume();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r->has_value());
}

TEST_F(Mm2TakeoverTest, NothingToTakeOverWhereStraitWroteAlready) {
  source() = Source(50);
  Copy(target(), 0, 19, 0);
  target().records.push_back({20, Value(20), 1020, false, kSourceFingerprint});
  Store(19);
  auto r = Resume();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r->has_value());
}

TEST_F(Mm2TakeoverTest, AnEmptyRemotePartitionContinuesAfterTheStoredOffset) {
  source() = Source(50);
  target().low = 40;  // retention deleted MirrorMaker 2's copies on the target
  Store(39);
  auto r = Resume();
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->start, SourceOffset(40));
}

TEST_F(Mm2TakeoverTest, WithoutStoredOffsetsTheRecordsAloneDecide) {
  target_->scans.clear();  // no offsets topic: MirrorMaker 2 never stored a position
  source() = Source(50);
  Copy(target(), 0, 29, 0);
  auto r = Resume();
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->start, SourceOffset(30));
}

TEST_F(Mm2TakeoverTest, TargetTimestampsSetByTheBrokerAreNotCompared) {
  source() = Source(50);
  Copy(target(), 0, 29, 0);
  for (FakeRecord& r : target().records) {
    r.timestamp_ms = 99999;
    r.log_append_time = true;
  }
  Store(20);
  auto r = Resume();
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->start, SourceOffset(30));
}

TEST_F(Mm2TakeoverTest, ARemoteRecordThatIsNoCopyStopsThePartitionWithTheRemedy) {
  source() = Source(50);
  Copy(target(), 0, 29, 0);
  target().records.push_back({30, "written by someone else", 5});
  Store(20);
  auto r = Resume();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("cannot take over dc1.t[0] from MirrorMaker 2: its last "
                                      "record (offset 30) is no copy of a record of t[0] from "
                                      "MirrorMaker 2's stored offset 20 to the end (50)"),
            std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("stop it with SIGTERM"), std::string::npos);
}

TEST_F(Mm2TakeoverTest, GivesUpPastMaxRecords) {
  source() = Source(5000);
  Copy(target(), 0, 4000, 0);
  Store(10);
  auto r = Resume(/*max_records=*/1000);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("within 1000 records of MirrorMaker 2's stored offset 10"),
            std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace strait::offsets
