#include "kafka/consumer.h"

#include <fmt/format.h>

#include <cstring>

#include "base/log.h"
#include "kafka/internal.h"

namespace strait::kafka {
namespace {

std::vector<TopicPartition> ToTopicPartitions(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> out;
  for (int i = 0; i < list->cnt; ++i) {
    out.push_back({list->elems[i].topic, list->elems[i].partition});
  }
  return out;
}

internal::PartitionListPtr ListOf(const std::vector<TopicPartition>& tps) {
  internal::PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(tps.size())));
  for (const TopicPartition& tp : tps) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition);
  }
  return list;
}

// Reports the first per-partition error of a pause/resume/seek/commit result list.
Status FirstPartitionError(const rd_kafka_topic_partition_list_t* list, std::string_view context) {
  for (int i = 0; i < list->cnt; ++i) {
    if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return internal::FromErrorCode(
          list->elems[i].err,
          fmt::format("{} {}[{}]", context, list->elems[i].topic, list->elems[i].partition));
    }
  }
  return Status::Ok();
}

}  // namespace

struct ConsumerCallbacks {
  static void Rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                        rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    // The opaque is the Client base that Client::Init registered.
    static_cast<Consumer*>(static_cast<Client*>(opaque))->HandleRebalance(rk, err, partitions);
  }
};

Consumer::Consumer(ConsumerOptions options)
    : Client(options.client.name, options.client.log_sink),
      on_rebalance_(std::move(options.on_rebalance)),
      defer_revoke_(options.defer_revoke) {}

Result<std::unique_ptr<Consumer>> Consumer::Create(ConsumerOptions options) {
  Properties props = options.client.properties;
  bool has_group = false;
  for (const auto& [k, v] : props) has_group |= (k == "group.id");
  if (!has_group) props.insert(props.begin(), {"group.id", "strait"});
  std::unique_ptr<Consumer> consumer(new Consumer(std::move(options)));
  STRAIT_RETURN_IF_ERROR(consumer->Init(Type::kConsumer, props, [&](void* conf) {
    rd_kafka_conf_set_rebalance_cb(static_cast<rd_kafka_conf_t*>(conf),
                                   &ConsumerCallbacks::Rebalance);
    return Status::Ok();
  }));
  // Route every event (messages, errors, rebalances) to the consumer queue polled below.
  rd_kafka_poll_set_consumer(consumer->handle());
  return consumer;
}

Consumer::~Consumer() {
  Close().IgnoreError();
  if (commit_queue_ != nullptr) rd_kafka_queue_destroy(commit_queue_);
}

void Consumer::HandleRebalance(rd_kafka_t* rk, int err, void* partitions) {
  auto* list = static_cast<rd_kafka_topic_partition_list_t*>(partitions);
  // librdkafka answers NULL once the group is being torn down (the revoke of a close can
  // come then; UBSan caught the strcmp on it): a consumer's protocol never changes, so the
  // last answer stands.
  if (const char* protocol = rd_kafka_rebalance_protocol(rk)) {
    cooperative_ = std::strcmp(protocol, "COOPERATIVE") == 0;
  }
  const bool cooperative = cooperative_;
  RebalanceEvent event;
  event.cooperative = cooperative;
  event.partitions = ToTopicPartitions(list);
  Status s;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    event.kind = RebalanceKind::kAssigned;
    s = cooperative ? internal::TakeError(rd_kafka_incremental_assign(rk, list), "assign")
                    : internal::FromErrorCode(rd_kafka_assign(rk, list), "assign");
  } else {
    event.kind = rd_kafka_assignment_lost(rk) ? RebalanceKind::kLost : RebalanceKind::kRevoked;
    // While closing, librdkafka waits for the unassign inside its close.
    if (cooperative && defer_revoke_ && !closed_) {
      if (on_rebalance_) on_rebalance_(event);
      return;
    }
    s = cooperative ? internal::TakeError(rd_kafka_incremental_unassign(rk, list), "unassign")
                    : internal::FromErrorCode(rd_kafka_assign(rk, nullptr), "unassign");
  }
  if (!s.ok()) {
    log::Warn("kafka", "rebalance failed", {{"client", name()}, {"error", s.message()}});
  }
  if (on_rebalance_) on_rebalance_(event);
}

Status Consumer::Assign(const std::vector<TopicPartitionOffset>& partitions) {
  internal::PartitionListPtr list = internal::ToPartitionList(partitions);
  return internal::FromErrorCode(rd_kafka_assign(handle(), list.get()), "assigning partitions");
}

Status Consumer::IncrementalAssign(const std::vector<TopicPartitionOffset>& partitions) {
  internal::PartitionListPtr list = internal::ToPartitionList(partitions);
  return internal::TakeError(rd_kafka_incremental_assign(handle(), list.get()),
                             "assigning partitions");
}

Status Consumer::IncrementalUnassign(const std::vector<TopicPartition>& partitions) {
  internal::PartitionListPtr list = ListOf(partitions);
  return internal::TakeError(rd_kafka_incremental_unassign(handle(), list.get()),
                             "unassigning partitions");
}

Status Consumer::Subscribe(const std::vector<std::string>& topics) {
  internal::PartitionListPtr list(
      rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const std::string& t : topics) {
    rd_kafka_topic_partition_list_add(list.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  return internal::FromErrorCode(rd_kafka_subscribe(handle(), list.get()), "subscribing");
}

Result<std::vector<TopicPartition>> Consumer::Assignment() {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_assignment(handle(), &raw);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return internal::FromErrorCode(err, "reading assignment");
  internal::PartitionListPtr list(raw);
  return ToTopicPartitions(list.get());
}

size_t Consumer::PollBatch(milliseconds timeout, size_t max, std::vector<Message>* out) {
  internal::QueuePtr queue(rd_kafka_queue_get_consumer(handle()));
  std::vector<rd_kafka_message_t*> raw(max);
  ssize_t n =
      rd_kafka_consume_batch_queue(queue.get(), static_cast<int>(timeout.count()), raw.data(), max);
  if (n <= 0) return 0;
  for (ssize_t i = 0; i < n; ++i) {
    rd_kafka_message_t* m = raw[i];
    // Client-wide errors (a failed login, a TLS handshake) come through the consumer queue.
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR && m->rkt == nullptr) {
      std::string reason = m->payload != nullptr
                               ? std::string(static_cast<const char*>(m->payload), m->len)
                               : rd_kafka_err2str(m->err);
      if (m->err == RD_KAFKA_RESP_ERR__AUTHENTICATION || m->err == RD_KAFKA_RESP_ERR__SSL ||
          (m->err == RD_KAFKA_RESP_ERR__TRANSPORT &&
           reason.find("SSL alert") != std::string::npos)) {
        SetConnectionProblem(m->err, reason);
      }
    }
    out->emplace_back(m, &identity());
  }
  return static_cast<size_t>(n);
}

Status Consumer::Pause(const std::vector<TopicPartition>& partitions) {
  internal::PartitionListPtr list = ListOf(partitions);
  STRAIT_RETURN_IF_ERROR(
      internal::FromErrorCode(rd_kafka_pause_partitions(handle(), list.get()), "pausing"));
  return FirstPartitionError(list.get(), "pausing");
}

Status Consumer::Resume(const std::vector<TopicPartition>& partitions) {
  internal::PartitionListPtr list = ListOf(partitions);
  STRAIT_RETURN_IF_ERROR(
      internal::FromErrorCode(rd_kafka_resume_partitions(handle(), list.get()), "resuming"));
  return FirstPartitionError(list.get(), "resuming");
}

Status Consumer::Seek(const std::vector<TopicPartitionOffset>& positions, milliseconds timeout) {
  internal::PartitionListPtr list = internal::ToPartitionList(positions);
  STRAIT_RETURN_IF_ERROR(internal::TakeError(
      rd_kafka_seek_partitions(handle(), list.get(), static_cast<int>(timeout.count())),
      "seeking"));
  return FirstPartitionError(list.get(), "seeking");
}

Status Consumer::Commit(const std::vector<TopicPartitionOffset>& offsets) {
  internal::PartitionListPtr list = internal::ToPartitionList(offsets);
  STRAIT_RETURN_IF_ERROR(
      internal::FromErrorCode(rd_kafka_commit(handle(), list.get(), 0), "committing offsets"));
  return FirstPartitionError(list.get(), "committing");
}

Status Consumer::CommitAsync(const std::vector<TopicPartitionOffset>& offsets) {
  if (commit_pending_) return FailedPrecondition("a commit is still under way");
  if (commit_queue_ == nullptr) commit_queue_ = rd_kafka_queue_new(handle());
  internal::PartitionListPtr list = internal::ToPartitionList(offsets);
  STRAIT_RETURN_IF_ERROR(internal::FromErrorCode(
      rd_kafka_commit_queue(handle(), list.get(), commit_queue_, nullptr, nullptr),
      "committing offsets"));
  commit_pending_ = true;
  return Status::Ok();
}

std::optional<Result<std::vector<TopicPartitionOffset>>> Consumer::CommitResult(
    milliseconds timeout) {
  if (!commit_pending_) return std::nullopt;
  rd_kafka_event_t* event = rd_kafka_queue_poll(commit_queue_, static_cast<int>(timeout.count()));
  if (event == nullptr) return std::nullopt;
  commit_pending_ = false;
  Result<std::vector<TopicPartitionOffset>> out =
      rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR
          ? Result<std::vector<TopicPartitionOffset>>(
                internal::FromErrorCode(rd_kafka_event_error(event), "committing offsets"))
          : Result<std::vector<TopicPartitionOffset>>(
                internal::FromPartitionList(rd_kafka_event_topic_partition_list(event)));
  rd_kafka_event_destroy(event);
  return out;
}

Result<std::vector<TopicPartitionOffset>> Consumer::Committed(
    const std::vector<TopicPartition>& partitions, milliseconds timeout) {
  internal::PartitionListPtr list = ListOf(partitions);
  rd_kafka_resp_err_t err =
      rd_kafka_committed(handle(), list.get(), static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return internal::FromErrorCode(err, "reading committed offsets");
  }
  return internal::FromPartitionList(list.get());
}

Result<Watermarks> Consumer::CachedWatermarks(const std::string& topic, int32_t partition) {
  Watermarks w;
  rd_kafka_resp_err_t err =
      rd_kafka_get_watermark_offsets(handle(), topic.c_str(), partition, &w.low, &w.high);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return internal::FromErrorCode(err,
                                   fmt::format("cached watermarks of {}[{}]", topic, partition));
  }
  return w;
}

Status Consumer::Close() {
  if (closed_ || handle() == nullptr) return Status::Ok();
  closed_ = true;
  return internal::FromErrorCode(rd_kafka_consumer_close(handle()), "closing consumer");
}

int32_t Consumer::GroupGeneration() {
  rd_kafka_consumer_group_metadata_t* metadata = rd_kafka_consumer_group_metadata(handle());
  if (metadata == nullptr) return -1;
  const int32_t generation = rd_kafka_consumer_group_metadata_generation_id(metadata);
  rd_kafka_consumer_group_metadata_destroy(metadata);
  return generation;
}

std::string Consumer::MemberId() {
  char* id = rd_kafka_memberid(handle());
  if (id == nullptr) return "";
  std::string out(id);
  rd_kafka_mem_free(handle(), id);
  return out;
}

rd_kafka_consumer_group_metadata_t* Consumer::NewGroupMetadata() {
  return rd_kafka_consumer_group_metadata(handle());
}

}  // namespace strait::kafka
