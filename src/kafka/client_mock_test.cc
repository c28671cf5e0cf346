// The client wrappers against librdkafka's mock cluster.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/mock_cluster.h"
#include "kafka/producer.h"

namespace strait::kafka {
namespace {

using namespace std::chrono_literals;

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = MockCluster::Create();
    ASSERT_TRUE(cluster.ok());
    cluster_ = std::move(cluster).value();
    ASSERT_TRUE(cluster_->CreateTopic("t", 1).ok());
  }

  std::unique_ptr<Consumer> NewConsumer() {
    ConsumerOptions options;
    options.client = {"reader", cluster_->ClientProperties(), {}};
    options.client.properties.push_back({"enable.partition.eof", "true"});
    options.client.properties.push_back({"auto.offset.reset", "error"});
    auto consumer = Consumer::Create(std::move(options));
    EXPECT_TRUE(consumer.ok());
    return consumer.ok() ? std::move(consumer).value() : nullptr;
  }

  // Polls until a message that is not a partition EOF arrives.
  Message Next(Consumer& consumer) {
    for (int i = 0; i < 300; ++i) {
      std::vector<Message> batch;
      consumer.PollBatch(100ms, 1, &batch);
      if (!batch.empty() && !batch.front().is_partition_eof()) return std::move(batch.front());
    }
    return Message();
  }

  std::unique_ptr<MockCluster> cluster_;
};

TEST_F(ClientTest, ARecordKeepsItsKeyValueNullsAndHeaders) {
  auto producer = Producer::Create({"writer", cluster_->ClientProperties(), {}}, {});
  ASSERT_TRUE(producer.ok());
  Headers headers;
  headers.Add("a", "1");
  headers.Add("null", std::nullopt);
  ASSERT_TRUE(
      (*producer)->Produce({(*producer)->Topic("t"), 0, "key", std::nullopt, 1234, &headers}).ok());
  ASSERT_TRUE((*producer)->Flush(30s).ok());

  std::unique_ptr<Consumer> consumer = NewConsumer();
  ASSERT_TRUE(consumer->Assign({{"t", 0, kOffsetBeginning}}).ok());
  Message m = Next(*consumer);
  ASSERT_TRUE(m.valid());
  EXPECT_EQ(m.key(), "key");
  EXPECT_EQ(m.value(), std::nullopt);  // a tombstone stays one
  EXPECT_EQ(m.timestamp_ms(), 1234);
  std::vector<HeaderView> h = m.headers();
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].name, "a");
  EXPECT_EQ(h[0].value, "1");
  EXPECT_EQ(h[1].value, std::nullopt);
  auto w = consumer->QueryWatermarks("t", 0, 10s);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->high, 1);
}

// strait.statistics.file (bench/run.py --timeline): librdkafka's statistics, one JSON
// object a line, served by the data thread's own polls.
TEST_F(ClientTest, StatisticsGoToTheFileOneObjectALine) {
  const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                     ("strait-stats-" + std::to_string(getpid()) + ".jsonl");
  std::filesystem::remove(path);
  ConsumerOptions options;
  options.client = {"reader", cluster_->ClientProperties(), {}};
  options.client.properties.push_back({"statistics.interval.ms", "100"});
  options.client.properties.push_back({"strait.statistics.file", path.string()});
  auto consumer = Consumer::Create(std::move(options));
  ASSERT_TRUE(consumer.ok()) << consumer.status().message();
  ASSERT_TRUE((*consumer)->Assign({{"t", 0, kOffsetBeginning}}).ok());
  std::vector<std::string> lines;
  for (int i = 0; i < 100 && lines.size() < 2; ++i) {
    std::vector<Message> batch;
    (*consumer)->PollBatch(100ms, 1, &batch);
    lines.clear();
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  consumer->reset();
  std::filesystem::remove(path);
  ASSERT_GE(lines.size(), 2u);
  for (const std::string& line : lines) {
    nlohmann::json j = nlohmann::json::parse(line);
    EXPECT_EQ(j["type"], "consumer");
    EXPECT_TRUE(j.contains("brokers"));
  }
}

TEST_F(ClientTest, AStatisticsFileThatCannotBeOpenedIsAConfigError) {
  ConsumerOptions options;
  options.client = {"reader", cluster_->ClientProperties(), {}};
  options.client.properties.push_back({"strait.statistics.file", "/nonexistent/dir/stats"});
  auto consumer = Consumer::Create(std::move(options));
  ASSERT_FALSE(consumer.ok());
  EXPECT_NE(consumer.status().message().find("strait.statistics.file /nonexistent/dir/stats"),
            std::string::npos)
      << consumer.status().message();
}

TEST_F(ClientTest, AnOffsetOutsideTheLogIsAnOutOfRangeError) {
  std::unique_ptr<Consumer> consumer = NewConsumer();
  ASSERT_TRUE(consumer->Assign({{"t", 0, 5}}).ok());
  Message m = Next(*consumer);
  ASSERT_TRUE(m.valid());
  EXPECT_FALSE(m.error().ok());
  EXPECT_TRUE(m.is_offset_out_of_range()) << m.error().message();
}

TEST_F(ClientTest, AdminCommitsAndReadsGroupOffsets) {
  auto admin = Admin::Create({"admin", cluster_->ClientProperties(), {}});
  ASSERT_TRUE(admin.ok());
  auto committed = (*admin)->AlterConsumerGroupOffsets("g", {{"t", 0, 7}}, 10s);
  ASSERT_TRUE(committed.ok()) << committed.status().message();
  auto read = (*admin)->ListConsumerGroupOffsets("g", {{"t", 0}}, 10s);
  ASSERT_TRUE(read.ok()) << read.status().message();
  ASSERT_EQ(read->size(), 1u);
  EXPECT_EQ((*read)[0].offset, 7);
}

}  // namespace
}  // namespace strait::kafka
