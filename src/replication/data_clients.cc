#include "replication/data_clients.h"

#include <algorithm>
#include <cstdlib>

namespace strait::replication {

kafka::ConsumerOptions SourceConsumerOptions(const std::string& flow_name,
                                             const kafka::Properties& properties) {
  kafka::ConsumerOptions options;
  options.client.name = flow_name + "/source-consumer";
  options.client.properties = {{"group.id", "strait-" + flow_name},
                               {"enable.auto.commit", "false"},
                               {"enable.auto.offset.store", "false"},
                               {"isolation.level", "read_committed"},
                               {"auto.offset.reset", "error"},
                               // Prefetch, bounded by bytes and by count (librdkafka spends a
                               // few hundred bytes on each queued record). Once either limit
                               // is reached librdkafka stops fetching for
                               // fetch.queue.backoff.ms, a full second by default: with that,
                               // the queue had to hold a second of records at full speed
                               // (64 MiB) or a backlog starved. A short back-off lets a small
                               // queue keep the flow fed (docs/benchmarks.md).
                               {"queued.max.messages.kbytes", "16384"},
                               {"queued.min.messages", "20000"},
                               {"fetch.queue.backoff.ms", "10"},
                               {"fetch.wait.max.ms", "100"},
                               {"enable.partition.eof", "true"}};
  options.client.properties.insert(options.client.properties.end(), properties.begin(),
                                   properties.end());
  return options;
}

kafka::ClientOptions TargetProducerOptions(const std::string& flow_name,
                                           const kafka::Properties& properties) {
  kafka::ClientOptions options;
  options.name = flow_name + "/target-producer";
  options.properties = {{"enable.idempotence", "true"},
                        {"acks", "all"},
                        // Never give up on a record: a partition stalls visibly instead of
                        // losing data. Retries are deduplicated by the idempotent producer.
                        {"message.timeout.ms", "0"},
                        {"linger.ms", "5"},
                        {"compression.codec", "lz4"},
                        {"message.max.bytes", "104857600"},
                        {"queue.buffering.max.messages", "1000000"},
                        {"queue.buffering.max.kbytes", "2097151"},
                        {"socket.nagle.disable", "true"}};
  options.properties.insert(options.properties.end(), properties.begin(), properties.end());
  return options;
}

int64_t ParseBytes(const std::string& value, int64_t fallback) {
  if (value.empty()) return fallback;
  char* end = nullptr;
  const long long n = std::strtoll(value.c_str(), &end, 10);
  return (end != nullptr && *end == '\0' && n > 0) ? n : fallback;
}

int64_t ProducerBatchBytes(const kafka::Properties& properties) {
  int64_t batch = 1000000;    // librdkafka's batch.size default
  int64_t request = 1000000;  // and message.max.bytes's
  for (const auto& [key, value] : properties) {
    if (key == "batch.size") batch = ParseBytes(value, batch);
    if (key == "message.max.bytes") request = ParseBytes(value, request);
  }
  return std::min(batch, request);
}

}  // namespace strait::replication
