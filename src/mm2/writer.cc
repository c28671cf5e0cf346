#include "mm2/writer.h"

#include <fmt/format.h>

namespace strait::mm2 {

using namespace std::chrono_literals;

Result<std::unique_ptr<Writer>> Writer::Create(const std::string& name,
                                               const kafka::Properties& producer_properties,
                                               kafka::Admin* admin, int32_t replication_factor) {
  std::unique_ptr<Writer> w(new Writer(admin, replication_factor));
  kafka::Properties props = {{"acks", "all"}, {"enable.idempotence", "true"}, {"linger.ms", "0"}};
  props.insert(props.end(), producer_properties.begin(), producer_properties.end());
  Writer* raw = w.get();
  STRAIT_ASSIGN_OR_RETURN(
      w->producer_,
      kafka::Producer::Create({name, props, {}}, [raw](const kafka::DeliveryReport& r) {
        if (r.error.ok()) return;
        std::lock_guard lock(raw->mu_);
        if (raw->delivery_error_.ok()) raw->delivery_error_ = r.error;
      }));
  return w;
}

// MM2 keeps checkpoints and heartbeats in compacted topics with one partition: only the
// latest record per key matters, and readers scan one partition from the start.
Status Writer::EnsureTopic(const std::string& topic) {
  if (ready_topics_.count(topic) != 0) return Status::Ok();
  Result<std::vector<Status>> r =
      admin_->CreateTopics({{topic, 1, replication_factor_, {{"cleanup.policy", "compact"}}}}, 15s);
  Status s = r.ok() ? (*r)[0] : r.status();
  if (!s.ok() && s.code() != StatusCode::kAlreadyExists) return s;
  ready_topics_.insert(topic);
  return Status::Ok();
}

Status Writer::Write(const std::string& topic, const std::string& key, const std::string& value,
                     int64_t timestamp_ms) {
  STRAIT_RETURN_IF_ERROR(EnsureTopic(topic));
  return producer_->Produce({producer_->Topic(topic), 0, key, value, timestamp_ms});
}

Status Writer::Flush(std::chrono::milliseconds timeout) {
  Status s = producer_->Flush(timeout);
  std::lock_guard lock(mu_);
  Status delivery = delivery_error_;
  delivery_error_ = Status::Ok();
  return s.ok() ? delivery : s;
}

}  // namespace strait::mm2
