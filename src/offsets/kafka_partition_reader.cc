// The PartitionReader of mm2_takeover.h over a librdkafka consumer with manual assignment.
#include <fmt/format.h>

#include <map>

#include "kafka/consumer.h"
#include "offsets/mm2_takeover.h"
#include "provenance/provenance.h"

namespace strait::offsets {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kTimeout = 60s;

RecordDigest Digest(const kafka::Message& m, bool with_timestamps) {
  std::vector<kafka::HeaderView> headers = m.headers();
  bool log_append_time = m.timestamp_type() == kafka::TimestampType::kLogAppendTime;
  RecordDigest d =
      DigestRecord(m.offset(), m.key(), m.value(), headers,
                   with_timestamps ? std::optional<int64_t>(m.timestamp_ms()) : std::nullopt);
  d.log_append_time = log_append_time;
  for (const kafka::HeaderView& h : headers) {
    if (h.name != provenance::kProvenanceHeader || !h.value) continue;
    if (std::optional<provenance::Provenance> p = provenance::DecodeProvenance(*h.value)) {
      d.strait_upstream_cluster = p->upstream_cluster();
    }
  }
  return d;
}

class KafkaPartitionReader final : public PartitionReader {
 public:
  KafkaPartitionReader(kafka::Properties properties, std::string name, std::string isolation)
      : properties_(std::move(properties)),
        name_(std::move(name)),
        isolation_(std::move(isolation)) {}

  Result<kafka::Watermarks> Bounds(const std::string& topic, int32_t partition) override {
    STRAIT_ASSIGN_OR_RETURN(kafka::Consumer * c, GetConsumer());
    return c->QueryWatermarks(topic, partition, kTimeout);
  }

  Result<std::vector<RecordDigest>> Read(const std::string& topic, int32_t partition, int64_t from,
                                         int64_t until, bool with_timestamps) override {
    std::vector<RecordDigest> out;
    if (from >= until) return out;
    STRAIT_ASSIGN_OR_RETURN(kafka::Consumer * c, GetConsumer());
    STRAIT_RETURN_IF_ERROR(c->Assign({{topic, partition, from}}));
    auto deadline = Clock::now() + kTimeout;
    while (Clock::now() < deadline) {
      std::vector<kafka::Message> batch;
      c->PollBatch(200ms, 1000, &batch);
      for (const kafka::Message& m : batch) {
        if (m.topic() != topic || m.partition() != partition) continue;
        if (m.is_partition_eof()) return Done(c, std::move(out));
        if (!m.error().ok()) return m.error().WithContext("reading " + topic);
        if (m.offset() >= until) return Done(c, std::move(out));
        out.push_back(Digest(m, with_timestamps));
        if (m.offset() + 1 >= until) return Done(c, std::move(out));
      }
    }
    return Unavailable(fmt::format("reading {}[{}] from offset {} to {} took longer than {} s",
                                   topic, partition, from, until, kTimeout.count() / 1000));
  }

  Status Scan(const std::string& topic, const RecordFn& fn) override {
    STRAIT_ASSIGN_OR_RETURN(kafka::Consumer * c, GetConsumer());
    STRAIT_ASSIGN_OR_RETURN(kafka::ClusterMetadata md, c->Metadata(kTimeout, topic));
    const kafka::TopicInfo* info = md.FindTopic(topic);
    if (info == nullptr || !info->error.ok() || info->partitions.empty()) {
      return NotFound(fmt::format("topic {} does not exist", topic));
    }
    std::vector<kafka::TopicPartitionOffset> assign;
    for (const kafka::PartitionInfo& p : info->partitions) {
      assign.push_back({topic, p.id, kafka::kOffsetBeginning});
    }
    STRAIT_RETURN_IF_ERROR(c->Assign(assign));
    size_t open = assign.size();
    auto deadline = Clock::now() + kTimeout;
    while (open > 0) {
      if (Clock::now() > deadline) {
        return Unavailable(
            fmt::format("reading {} took longer than {} s", topic, kTimeout.count() / 1000));
      }
      std::vector<kafka::Message> batch;
      c->PollBatch(200ms, 1000, &batch);
      for (const kafka::Message& m : batch) {
        if (m.topic() != topic) continue;
        if (m.is_partition_eof()) {
          --open;
          continue;
        }
        if (!m.error().ok()) return m.error().WithContext("reading " + topic);
        std::optional<std::string_view> key = m.key();
        fn(key.value_or(""), m.value());
      }
    }
    return c->Assign({});
  }

 private:
  Result<kafka::Consumer*> GetConsumer() {
    if (consumer_ == nullptr) {
      kafka::ConsumerOptions options;
      options.client.name = name_;
      options.client.properties = {{"enable.auto.commit", "false"},
                                   {"enable.partition.eof", "true"},
                                   {"auto.offset.reset", "earliest"},
                                   {"fetch.wait.max.ms", "10"}};
      options.client.properties.insert(options.client.properties.end(), properties_.begin(),
                                       properties_.end());
      // What was copied is decided here, whatever the cluster's consumer settings say.
      options.client.properties.emplace_back("isolation.level", isolation_);
      STRAIT_ASSIGN_OR_RETURN(consumer_, kafka::Consumer::Create(std::move(options)));
    }
    return consumer_.get();
  }

  static Result<std::vector<RecordDigest>> Done(kafka::Consumer* c, std::vector<RecordDigest> out) {
    STRAIT_RETURN_IF_ERROR(c->Assign({}));
    return out;
  }

  kafka::Properties properties_;
  std::string name_;
  std::string isolation_;
  std::unique_ptr<kafka::Consumer> consumer_;
};

}  // namespace

std::unique_ptr<PartitionReader> NewKafkaPartitionReader(kafka::Properties consumer_properties,
                                                         std::string name,
                                                         std::string isolation_level) {
  return std::make_unique<KafkaPartitionReader>(std::move(consumer_properties), std::move(name),
                                                std::move(isolation_level));
}

}  // namespace strait::offsets
