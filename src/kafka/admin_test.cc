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
  explicit MockCluster(int brokers = 1) {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    mcluster_ = rd_kafka_mock_cluster_new(rk_, brokers);
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

// librdkafka 2.15.1 frees the state of a group call that timed out while the group's
// coordinator could not be reached, and uses it again once the coordinator answers: the
// process aborted (rd_kafka_enq_once_del_source_return, librdkafka issue 4605). Group calls
// run on a handle of their own that is replaced after a timeout.
TEST(Admin, AGroupCallThatTimedOutWhileTheCoordinatorWasDownDoesNotAbortOnceItIsBack) {
  constexpr int32_t kCoordinator = 1;
  MockCluster cluster(3);
  rd_kafka_mock_coordinator_set(cluster.get(), "group", "g", kCoordinator);
  // socket.timeout.ms stands in for the default 60 s against a 10 s call.
  auto admin = Admin::Create({"test",
                              {{"bootstrap.servers", cluster.bootstrap()},
                               {"socket.timeout.ms", "3000"},
                               {"log_level", "0"}},
                              {}});
  ASSERT_TRUE(admin.ok()) << admin.status().message();
  ASSERT_TRUE((*admin)->ListConsumerGroupOffsets("g", {}, 10s).ok());  // found, connected

  // The coordinator stops answering; its connection drops and the new one never gets up.
  rd_kafka_mock_broker_set_rtt(cluster.get(), kCoordinator, 600'000);
  rd_kafka_mock_broker_set_down(cluster.get(), kCoordinator);
  rd_kafka_mock_broker_set_up(cluster.get(), kCoordinator);
  for (int i = 0; i < 3; ++i) {
    Result<std::vector<TopicPartitionOffset>> r = (*admin)->ListConsumerGroupOffsets("g", {}, 1s);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kTimeout) << r.status().message();
  }

  // It answers again: before the fix the process aborted here.
  rd_kafka_mock_broker_set_rtt(cluster.get(), kCoordinator, 0);
  Result<std::vector<TopicPartitionOffset>> back = Timeout("not tried");
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!back.ok() && std::chrono::steady_clock::now() < deadline) {
    back = (*admin)->ListConsumerGroupOffsets("g", {}, 2s);
  }
  EXPECT_TRUE(back.ok()) << back.status().message();
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
