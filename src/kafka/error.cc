// Converting librdkafka errors into Status values: the only place strait interprets them.
#include <fmt/format.h>

#include "base/redact.h"
#include "kafka/internal.h"

namespace strait::kafka::internal {
namespace {

StatusCode CodeFor(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
      return StatusCode::kOk;
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND:
    case RD_KAFKA_RESP_ERR__NOENT:
      return StatusCode::kNotFound;
    case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
      return StatusCode::kAlreadyExists;
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
      return StatusCode::kPermissionDenied;
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
      return StatusCode::kResourceExhausted;
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
      return StatusCode::kTimeout;
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
      return StatusCode::kUnavailable;
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
    case RD_KAFKA_RESP_ERR_INVALID_REQUEST:
    case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR__INVALID_TYPE:
      return StatusCode::kInvalidArgument;
    case RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID:
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP:
    case RD_KAFKA_RESP_ERR__STATE:
    case RD_KAFKA_RESP_ERR__FATAL:
    case RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER:
    case RD_KAFKA_RESP_ERR_PRODUCER_FENCED:
    case RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH:
      return StatusCode::kFailedPrecondition;
    case RD_KAFKA_RESP_ERR__DESTROY:
      return StatusCode::kCancelled;
    default:
      return StatusCode::kInternal;
  }
}

bool IsRetriable(rd_kafka_resp_err_t err) {
  switch (CodeFor(err)) {
    case StatusCode::kUnavailable:
    case StatusCode::kTimeout:
      return true;
    default:
      return err == RD_KAFKA_RESP_ERR__QUEUE_FULL;
  }
}

}  // namespace

Status FromErrorCode(rd_kafka_resp_err_t err, std::string_view context, std::string_view detail) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
  std::string message = detail.empty()
                            ? fmt::format("{} ({})", rd_kafka_err2str(err), rd_kafka_err2name(err))
                            : fmt::format("{} ({})", detail, rd_kafka_err2name(err));
  if (!context.empty()) message = fmt::format("{}: {}", context, message);
  return Status(CodeFor(err), Redact(message), IsRetriable(err) ? Retriable::kYes : Retriable::kNo);
}

Status FromAccessError(rd_kafka_resp_err_t err, const Identity& identity, const Access& access,
                       std::string_view context, std::string_view detail) {
  Access denied = access;
  switch (err) {
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
      break;
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
      denied.type = AclResourceType::kCluster;
      denied.name = kClusterResourceName;
      break;
    default:
      return FromErrorCode(err, context, detail);
  }
  std::string message =
      ExplainDenied(identity, denied.operation, denied.type, denied.name, rd_kafka_err2name(err));
  if (!context.empty()) message = fmt::format("{}: {}", context, message);
  return Status(StatusCode::kPermissionDenied, Redact(message));
}

Status FromAccessError(const rd_kafka_error_t* error, const Identity& identity,
                       const Access& access, std::string_view context) {
  if (error == nullptr) return Status::Ok();
  return FromAccessError(rd_kafka_error_code(error), identity, access, context,
                         rd_kafka_error_string(error));
}

Status FromError(const rd_kafka_error_t* error, std::string_view context) {
  if (error == nullptr) return Status::Ok();
  rd_kafka_resp_err_t code = rd_kafka_error_code(error);
  Status s = FromErrorCode(code, context, rd_kafka_error_string(error));
  if (rd_kafka_error_is_retriable(error) && !s.retriable()) {
    return Status(s.code(), s.message(), Retriable::kYes);
  }
  return s;
}

Status TakeError(rd_kafka_error_t* error, std::string_view context) {
  ErrorPtr owned(error);
  return FromError(owned.get(), context);
}

PartitionListPtr ToPartitionList(const std::vector<TopicPartitionOffset>& tps) {
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(tps.size())));
  for (const TopicPartitionOffset& tp : tps) {
    rd_kafka_topic_partition_t* p =
        rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition);
    p->offset = tp.offset;
    if (!tp.metadata.empty()) {
      p->metadata = strdup(tp.metadata.c_str());  // freed by the list
      p->metadata_size = tp.metadata.size();
    }
  }
  return list;
}

std::vector<TopicPartitionOffset> FromPartitionList(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartitionOffset> out;
  if (list == nullptr) return out;
  out.reserve(list->cnt);
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = list->elems[i];
    TopicPartitionOffset tp;
    tp.topic = p.topic;
    tp.partition = p.partition;
    tp.offset = p.offset;
    if (p.metadata != nullptr && p.metadata_size > 0) {
      tp.metadata.assign(static_cast<const char*>(p.metadata), p.metadata_size);
    }
    tp.error = FromErrorCode(p.err, fmt::format("{}[{}]", tp.topic, tp.partition));
    out.push_back(std::move(tp));
  }
  return out;
}

}  // namespace strait::kafka::internal
