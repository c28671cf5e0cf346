#include "kafka/admin.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <memory>
#include <string>
#include <vector>

namespace strait::kafka {
namespace {

using namespace std::chrono_literals;

// A mock cluster of librdkafka's own, owned by a handle of its own.
class MockCluster {
 public:
  MockCluster() {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    mcluster_ = rd_kafka_mock_cluster_new(rk_, 1);
  }
  ~MockCluster() {
    rd_kafka_mock_cluster_destroy(mcluster_);
    rd_kafka_destroy(rk_);
  }
  std::string bootstrap() const { return rd_kafka_mock_cluster_bootstraps(mcluster_); }
  rd_kafka_mock_cluster_t* get() { return mcluster_; }

 private:
  rd_kafka_t* rk_;
  rd_kafka_mock_cluster_t* mcluster_;
};

TEST(Admin, ListingGroupOffsetsSurvivesANotCoordinatorAnswer) {
  MockCluster cluster;
  auto admin =
      Admin::Create({"test", {{"bootstrap.servers", cluster.bootstrap()}, {"log_level", "0"}}, {}});
  ASSERT_TRUE(admin.ok()) << admin.status().message();
  constexpr int16_t kOffsetFetch = 9;  // Kafka's ApiKey; librdkafka's name for it is private
  rd_kafka_mock_push_request_errors(cluster.get(), kOffsetFetch, 1,
                                    RD_KAFKA_RESP_ERR_NOT_COORDINATOR);
  // Before the fix this call killed the process (a null consumer group in librdkafka).
  Result<std::vector<TopicPartitionOffset>> r = (*admin)->ListConsumerGroupOffsets("g", {}, 5s);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("NOT_COORDINATOR"), std::string::npos)
      << r.status().message();
  // And the next call is answered.
  EXPECT_TRUE((*admin)->ListConsumerGroupOffsets("g", {}, 5s).ok());
}

// 10,000 partitions in 100 topics: requests of at most 5,000 partitions each, in order.
TEST(CreateTopicsRequests, StayUnderTheControllersLimit) {
  std::vector<NewTopic> topics;
  for (int i = 0; i < 100; ++i) topics.push_back({"t" + std::to_string(i), 100});
  topics.push_back({"huge", 6000});
  topics.push_back({"last", 1});
  std::vector<std::vector<NewTopic>> requests = CreateTopicsRequests(topics, 5000);
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0].size(), 50u);
  EXPECT_EQ(requests[0].front().name, "t0");
  EXPECT_EQ(requests[1].size(), 50u);
  EXPECT_EQ(requests[1].back().name, "t99");
  EXPECT_EQ(requests[2].size(), 1u);  // over the limit alone: the broker says why
  EXPECT_EQ(requests[2].front().name, "huge");
  EXPECT_EQ(requests[3].front().name, "last");
  EXPECT_TRUE(CreateTopicsRequests({}, 5000).empty());
}

}  // namespace
}  // namespace strait::kafka
