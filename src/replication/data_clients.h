// The data path's two clients, the source consumer and the target producer: strait's
// settings for them, and how they are made. Pure functions and a value; thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"

namespace strait::replication {

// How the data path makes its clients: kafka::Consumer and kafka::Producer by default. The
// seam through which unit tests watch or fail the clients it makes (on librdkafka's mock
// cluster), and through which a different producer (a transactional one) can come in.
struct DataPathClients {
  std::function<Result<std::unique_ptr<kafka::Consumer>>(kafka::ConsumerOptions)> consumer =
      &kafka::Consumer::Create;
  std::function<Result<std::unique_ptr<kafka::Producer>>(kafka::ClientOptions,
                                                         kafka::DeliveryHandler)>
      producer = &kafka::Producer::Create;
};

// strait's settings for the source consumer, followed by the cluster's `properties` from
// the config, which win (docs/configuration.md lists both).
kafka::ConsumerOptions SourceConsumerOptions(const std::string& flow_name,
                                             const kafka::Properties& properties);
// The same for the target producer.
kafka::ClientOptions TargetProducerOptions(const std::string& flow_name,
                                           const kafka::Properties& properties);

// A positive count of bytes as a Kafka or librdkafka setting gives it; `fallback` when it
// is empty or not such a number.
int64_t ParseBytes(const std::string& value, int64_t fallback);

// The largest record batch the target producer builds (before compression): librdkafka's
// batch.size, capped by message.max.bytes, as the last value of each in `properties` (the
// producer's effective list, TargetProducerOptions) sets them; librdkafka's defaults else.
int64_t ProducerBatchBytes(const kafka::Properties& properties);

}  // namespace strait::replication
