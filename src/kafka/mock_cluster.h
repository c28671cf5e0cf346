// librdkafka's mock cluster, for unit tests of code that talks to Kafka: an in-process
// cluster that speaks the Kafka protocol on localhost sockets (produce, fetch, list
// offsets, idempotent and transactional producers, consumer groups and offset commits; no
// admin topic or config APIs), with faults a real broker cannot produce on demand. Never
// for end-to-end tests: those run real brokers.
//
// Lives in strait_kafka_testing, which only test binaries link. Thread-safe as librdkafka's
// mock API is; a MockCluster must outlive the clients that use it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "kafka/types.h"

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace strait::kafka {

// Kafka protocol error codes a test can inject (numbers as in the protocol).
enum class KafkaError : int16_t {
  kMessageTooLarge = 10,
  kNotEnoughReplicas = 19,         // retriable
  kIllegalGeneration = 22,         // a group member's generation is stale (a rebalance)
  kTopicAuthorizationFailed = 29,  // permanent
  kOutOfOrderSequenceNumber = 45,  // fatal for an idempotent producer
  kInvalidRecord = 87,             // the broker will never take the batch
};

class MockCluster {
 public:
  static Result<std::unique_ptr<MockCluster>> Create(int brokers = 1);
  ~MockCluster();
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  // bootstrap.servers for clients of this cluster.
  const std::string& bootstrap() const { return bootstrap_; }
  // Client properties that reach this cluster.
  Properties ClientProperties() const { return {{"bootstrap.servers", bootstrap_}}; }

  Status CreateTopic(const std::string& topic, int partitions, int replication_factor = 1);
  // The next Produce requests for this partition fail with `errors`, one per request.
  Status FailProduce(const std::string& topic, int32_t partition,
                     const std::vector<KafkaError>& errors);
  // The next TxnOffsetCommit requests (send_offsets_to_transaction's, to the group
  // coordinator) fail with `errors`, one per request.
  Status FailTransactionOffsets(const std::vector<KafkaError>& errors);
  // Every broker (-1) or one answers each request only after `rtt`.
  Status SetRoundTrip(std::chrono::milliseconds rtt, int32_t broker = -1);
  // Deletes the records before `offset` (what retention does): the log starts there.
  Status DeleteRecordsBefore(const std::string& topic, int32_t partition, int64_t offset);

 private:
  MockCluster() = default;

  rd_kafka_s* handle_ = nullptr;  // owns the cluster
  rd_kafka_mock_cluster_s* cluster_ = nullptr;
  std::string bootstrap_;
};

}  // namespace strait::kafka
