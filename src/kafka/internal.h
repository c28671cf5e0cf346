// Private to kafka/: owning handles for librdkafka objects and error conversion.
// Nothing outside src/kafka/ may include this file (it pulls in librdkafka).
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "kafka/acl.h"
#include "kafka/client.h"
#include "kafka/security.h"
#include "kafka/types.h"

// The build links the librdkafka that scripts/setup.sh builds (cmake/librdkafka.cmake); this
// catches a different rdkafka.h found first on the include path (e.g. Debian's 2.0.2).
static_assert(RD_KAFKA_VERSION == 0x020f01ff,
              "strait is built against librdkafka 2.15.1: another rdkafka.h was included; "
              "run scripts/setup.sh and check the include path");

namespace strait::kafka::internal {

struct KafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
struct ErrorDeleter {
  void operator()(rd_kafka_error_t* e) const { rd_kafka_error_destroy(e); }
};
struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
struct AdminOptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
};
struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* m) const { rd_kafka_metadata_destroy(m); }
};
struct HeadersDeleter {
  void operator()(rd_kafka_headers_t* h) const { rd_kafka_headers_destroy(h); }
};

using KafkaPtr = std::unique_ptr<rd_kafka_t, KafkaDeleter>;
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;
using ErrorPtr = std::unique_ptr<rd_kafka_error_t, ErrorDeleter>;
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;
using AdminOptionsPtr = std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter>;
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;
using HeadersPtr = std::unique_ptr<rd_kafka_headers_t, HeadersDeleter>;

// Maps a librdkafka error code to a Status; `context` says what was being done.
Status FromErrorCode(rd_kafka_resp_err_t err, std::string_view context,
                     std::string_view detail = {});
// What an operation needed from the authorizer, for the message when it was denied.
struct Access {
  AclOperation operation = AclOperation::kDescribe;
  AclResourceType type = AclResourceType::kTopic;
  std::string name;
};
// Like FromErrorCode, but an authorization error says who was denied what on which cluster
// and how to grant it (security.h). A CLUSTER_AUTHORIZATION_FAILED names the cluster
// resource, whatever `access` says.
Status FromAccessError(rd_kafka_resp_err_t err, const Identity& identity, const Access& access,
                       std::string_view context, std::string_view detail = {});
Status FromAccessError(const rd_kafka_error_t* error, const Identity& identity,
                       const Access& access, std::string_view context);
// Takes over nothing: the caller still owns `error`.
Status FromError(const rd_kafka_error_t* error, std::string_view context);
// Consumes `error` (may be null: OK).
Status TakeError(rd_kafka_error_t* error, std::string_view context);

// Admin calls (admin.cc): options with request (and, where Kafka has one, operation)
// timeouts; the wait for a call's result event, with failures explained by `client`.
AdminOptionsPtr AdminOptions(rd_kafka_t* rk, rd_kafka_admin_op_t op,
                             std::chrono::milliseconds timeout);
Result<EventPtr> AwaitAdmin(Client& client, rd_kafka_queue_t* queue,
                            std::chrono::milliseconds timeout, std::string_view what);

PartitionListPtr ToPartitionList(const std::vector<TopicPartitionOffset>& tps);
std::vector<TopicPartitionOffset> FromPartitionList(const rd_kafka_topic_partition_list_t* list);

}  // namespace strait::kafka::internal
