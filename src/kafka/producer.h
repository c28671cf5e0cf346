// A Kafka producer with delivery reports, optional zero-copy payloads and transactions.
//
// Thread rules: Produce() is thread-safe; delivery handlers run inside Poll()/Flush() on
// the calling thread. The handler must not call Poll() itself.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "kafka/client.h"
#include "kafka/consumer.h"
#include "kafka/message.h"

struct rd_kafka_topic_s;

namespace strait::kafka {

struct DeliveryReport {
  void* opaque = nullptr;  // what the caller passed to Produce
  int32_t partition = -1;
  int64_t offset = -1;  // the record's offset in the target partition, if known
  Status error;         // OK when the broker acknowledged the record
  // True when the record may have been written even though the delivery failed.
  bool possibly_persisted = false;
};

using DeliveryHandler = std::function<void(const DeliveryReport&)>;

// A topic the producer writes to; cheap to keep per partition pipe. Owned by the Producer.
class ProducerTopic {
 public:
  explicit ProducerTopic(rd_kafka_topic_s* rkt) : rkt_(rkt) {}
  rd_kafka_topic_s* raw() const { return rkt_; }

 private:
  rd_kafka_topic_s* rkt_;
};

struct ProduceRecord {
  ProducerTopic* topic = nullptr;
  int32_t partition = 0;
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;  // nullopt: a tombstone
  int64_t timestamp_ms = 0;               // 0: now
  Headers* headers = nullptr;             // taken over on success, left in place on failure
  void* opaque = nullptr;                 // handed back in the DeliveryReport
  // When false, key and value must stay valid until the delivery report: the zero-copy
  // path that hands a consumed Message's buffer straight to the producer.
  bool copy = true;
};

class Producer : public Client {
 public:
  static Result<std::unique_ptr<Producer>> Create(const ClientOptions& options,
                                                  DeliveryHandler on_delivery);
  ~Producer() override;

  // The handle for `name`, created on first use. Valid as long as the Producer.
  ProducerTopic* Topic(const std::string& name);

  // Queues one record. kResourceExhausted (retriable) when the local queue is full: Poll and
  // try again.
  Status Produce(const ProduceRecord& record);
  // Serves delivery reports; returns how many were served.
  int Poll(milliseconds timeout);
  // Waits until every queued record is delivered or failed.
  Status Flush(milliseconds timeout);
  // Records queued or in flight.
  int OutQueueLength();
  // Non-OK once the idempotent or transactional producer hit a fatal error: the producer
  // must be replaced (librdkafka will not send again).
  Status FatalError();
  // Fails every record still queued locally (delivery reports follow with kCancelled).
  void PurgeQueued();

  Status InitTransactions(milliseconds timeout);
  Status BeginTransaction();
  Status SendOffsetsToTransaction(const std::vector<TopicPartitionOffset>& offsets,
                                  Consumer& consumer, milliseconds timeout);
  Status CommitTransaction(milliseconds timeout);
  Status AbortTransaction(milliseconds timeout);

 private:
  friend struct ProducerCallbacks;
  Producer(const ClientOptions& options, DeliveryHandler on_delivery);

  DeliveryHandler on_delivery_;
  std::mutex topics_mu_;
  std::unordered_map<std::string, std::unique_ptr<ProducerTopic>> topics_;  // guarded by topics_mu_
};

}  // namespace strait::kafka
