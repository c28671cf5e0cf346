#include "kafka/mock_cluster.h"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "kafka/internal.h"

namespace strait::kafka {
namespace {

constexpr int16_t kProduceApiKey = 0;  // the protocol's ApiKey; librdkafka's name is private

}  // namespace

Result<std::unique_ptr<MockCluster>> MockCluster::Create(int brokers) {
  std::unique_ptr<MockCluster> mock(new MockCluster());
  internal::ConfPtr conf(rd_kafka_conf_new());
  char err[512];
  // A handle for the cluster's bookkeeping only; it never connects anywhere.
  rd_kafka_conf_set(conf.get(), "log_level", "0", err, sizeof(err));
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof(err));
  if (rk == nullptr) return Internal(fmt::format("creating the mock cluster's handle: {}", err));
  static_cast<void>(conf.release());  // rd_kafka_new took it
  mock->handle_ = rk;
  mock->cluster_ = rd_kafka_mock_cluster_new(rk, brokers);
  if (mock->cluster_ == nullptr) return Internal("creating the mock cluster failed");
  mock->bootstrap_ = rd_kafka_mock_cluster_bootstraps(mock->cluster_);
  return mock;
}

MockCluster::~MockCluster() {
  if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
  if (handle_ != nullptr) rd_kafka_destroy(handle_);
}

Status MockCluster::CreateTopic(const std::string& topic, int partitions, int replication_factor) {
  return internal::FromErrorCode(
      rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, replication_factor),
      "creating mock topic " + topic);
}

Status MockCluster::FailProduce(const std::string& topic, int32_t partition,
                                const std::vector<KafkaError>& errors) {
  for (KafkaError e : errors) {
    STRAIT_RETURN_IF_ERROR(internal::FromErrorCode(
        rd_kafka_mock_partition_push_request_errors(cluster_, topic.c_str(), partition,
                                                    kProduceApiKey, 1,
                                                    static_cast<rd_kafka_resp_err_t>(e)),
        "injecting a produce error"));
  }
  return Status::Ok();
}

Status MockCluster::FailTransactionOffsets(const std::vector<KafkaError>& errors) {
  constexpr int16_t kTxnOffsetCommitApiKey = 28;  // librdkafka's name for it is private
  for (KafkaError e : errors) {
    rd_kafka_mock_push_request_errors(cluster_, kTxnOffsetCommitApiKey, 1,
                                      static_cast<rd_kafka_resp_err_t>(e));
  }
  return Status::Ok();
}

Status MockCluster::SetRoundTrip(std::chrono::milliseconds rtt, int32_t broker) {
  return internal::FromErrorCode(
      rd_kafka_mock_broker_set_rtt(cluster_, broker, static_cast<int>(rtt.count())),
      "setting the mock round trip");
}

Status MockCluster::DeleteRecordsBefore(const std::string& topic, int32_t partition,
                                        int64_t offset) {
  return internal::FromErrorCode(
      rd_kafka_mock_partition_delete_records(cluster_, topic.c_str(), partition, offset),
      "deleting mock records");
}

}  // namespace strait::kafka
