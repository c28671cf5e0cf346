#include "kafka/producer.h"

#include <fmt/format.h>

#include "kafka/internal.h"

namespace strait::kafka {

struct ProducerCallbacks {
  static void Delivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* msg, void* opaque) {
    auto* self = static_cast<Producer*>(static_cast<Client*>(opaque));
    if (!self->on_delivery_) return;
    DeliveryReport report;
    report.opaque = msg->_private;
    report.partition = msg->partition;
    report.offset = msg->offset;
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::string topic = rd_kafka_topic_name(msg->rkt);
      report.error = internal::FromAccessError(
          msg->err, self->identity(), {AclOperation::kWrite, AclResourceType::kTopic, topic},
          fmt::format("producing to {}[{}]", topic, msg->partition));
      report.possibly_persisted =
          rd_kafka_message_status(msg) == RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED;
    }
    self->on_delivery_(report);
  }
};

Producer::Producer(const ClientOptions& options, DeliveryHandler on_delivery)
    : Client(options.name, options.log_sink), on_delivery_(std::move(on_delivery)) {}

Result<std::unique_ptr<Producer>> Producer::Create(const ClientOptions& options,
                                                   DeliveryHandler on_delivery) {
  std::unique_ptr<Producer> producer(new Producer(options, std::move(on_delivery)));
  STRAIT_RETURN_IF_ERROR(producer->Init(Type::kProducer, options.properties, [](void* conf) {
    rd_kafka_conf_set_dr_msg_cb(static_cast<rd_kafka_conf_t*>(conf), &ProducerCallbacks::Delivery);
    return Status::Ok();
  }));
  return producer;
}

Producer::~Producer() {
  std::lock_guard lock(topics_mu_);
  for (auto& [name, topic] : topics_) rd_kafka_topic_destroy(topic->raw());
  topics_.clear();
}

ProducerTopic* Producer::Topic(const std::string& name) {
  std::lock_guard lock(topics_mu_);
  auto it = topics_.find(name);
  if (it != topics_.end()) return it->second.get();
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(handle(), name.c_str(), nullptr);
  auto [inserted, ok] = topics_.emplace(name, std::make_unique<ProducerTopic>(rkt));
  return inserted->second.get();
}

Status Producer::Produce(const ProduceRecord& r) {
  rd_kafka_vu_t vus[8];
  size_t n = 0;
  vus[n].vtype = RD_KAFKA_VTYPE_RKT;
  vus[n++].u.rkt = r.topic->raw();
  vus[n].vtype = RD_KAFKA_VTYPE_PARTITION;
  vus[n++].u.i32 = r.partition;
  vus[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  vus[n++].u.i = r.copy ? RD_KAFKA_MSG_F_COPY : 0;
  vus[n].vtype = RD_KAFKA_VTYPE_VALUE;
  vus[n].u.mem.ptr = r.value ? const_cast<char*>(r.value->data()) : nullptr;
  vus[n++].u.mem.size = r.value ? r.value->size() : 0;
  vus[n].vtype = RD_KAFKA_VTYPE_KEY;
  vus[n].u.mem.ptr = r.key ? const_cast<char*>(r.key->data()) : nullptr;
  vus[n++].u.mem.size = r.key ? r.key->size() : 0;
  vus[n].vtype = RD_KAFKA_VTYPE_OPAQUE;
  vus[n++].u.ptr = r.opaque;
  vus[n].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
  vus[n++].u.i64 = r.timestamp_ms;
  rd_kafka_headers_t* headers = nullptr;
  if (r.headers != nullptr && r.headers->size() > 0) {
    headers = r.headers->Release();
    vus[n].vtype = RD_KAFKA_VTYPE_HEADERS;
    vus[n++].u.headers = headers;
  }
  rd_kafka_error_t* error = rd_kafka_produceva(handle(), vus, n);
  if (error == nullptr) return Status::Ok();
  if (headers != nullptr) r.headers->Adopt(headers);  // not taken on failure: the caller may retry
  internal::ErrorPtr owned(error);
  std::string topic = rd_kafka_topic_name(r.topic->raw());
  return internal::FromAccessError(owned.get(), identity(),
                                   {AclOperation::kWrite, AclResourceType::kTopic, topic},
                                   fmt::format("producing to {}[{}]", topic, r.partition));
}

int Producer::Poll(milliseconds timeout) {
  return rd_kafka_poll(handle(), static_cast<int>(timeout.count()));
}

Status Producer::Flush(milliseconds timeout) {
  return internal::FromErrorCode(rd_kafka_flush(handle(), static_cast<int>(timeout.count())),
                                 fmt::format("flushing {}", name()));
}

int Producer::OutQueueLength() { return rd_kafka_outq_len(handle()); }

Status Producer::FatalError() {
  char err[512];
  rd_kafka_resp_err_t code = rd_kafka_fatal_error(handle(), err, sizeof(err));
  if (code == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
  // An idempotent producer needs IDEMPOTENT_WRITE on the cluster, or (Kafka 3.0 and later)
  // WRITE on any topic, to get its producer id.
  return internal::FromAccessError(code, identity(),
                                   {AclOperation::kIdempotentWrite, AclResourceType::kCluster,
                                    std::string(kClusterResourceName)},
                                   fmt::format("producer {} failed fatally", name()), err);
}

void Producer::PurgeQueued() { rd_kafka_purge(handle(), RD_KAFKA_PURGE_F_QUEUE); }

Status Producer::InitTransactions(milliseconds timeout) {
  return internal::TakeError(
      rd_kafka_init_transactions(handle(), static_cast<int>(timeout.count())),
      "initializing transactions");
}

Status Producer::BeginTransaction() {
  return internal::TakeError(rd_kafka_begin_transaction(handle()), "beginning a transaction");
}

Status Producer::SendOffsetsToTransaction(const std::vector<TopicPartitionOffset>& offsets,
                                          Consumer& consumer, milliseconds timeout) {
  internal::PartitionListPtr list = internal::ToPartitionList(offsets);
  rd_kafka_consumer_group_metadata_t* cgmd = consumer.NewGroupMetadata();
  rd_kafka_error_t* error = rd_kafka_send_offsets_to_transaction(handle(), list.get(), cgmd,
                                                                 static_cast<int>(timeout.count()));
  rd_kafka_consumer_group_metadata_destroy(cgmd);
  return internal::TakeError(error, "sending offsets to the transaction");
}

Status Producer::CommitTransaction(milliseconds timeout) {
  return internal::TakeError(
      rd_kafka_commit_transaction(handle(), static_cast<int>(timeout.count())),
      "committing the transaction");
}

Status Producer::AbortTransaction(milliseconds timeout) {
  return internal::TakeError(
      rd_kafka_abort_transaction(handle(), static_cast<int>(timeout.count())),
      "aborting the transaction");
}

}  // namespace strait::kafka
