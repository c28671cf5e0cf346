#include "kafka/admin.h"

#include <fmt/format.h>

#include "kafka/internal.h"

namespace strait::kafka {
namespace internal {

// librdkafka's own operation timeout, plus a margin for the reply to come back.
constexpr milliseconds kReplyMargin(2000);

AdminOptionsPtr AdminOptions(rd_kafka_t* rk, rd_kafka_admin_op_t op, milliseconds timeout) {
  AdminOptionsPtr options(rd_kafka_AdminOptions_new(rk, op));
  char err[256];
  rd_kafka_AdminOptions_set_request_timeout(options.get(), static_cast<int>(timeout.count()), err,
                                            sizeof(err));
  if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_CREATEPARTITIONS ||
      op == RD_KAFKA_ADMIN_OP_DELETETOPICS) {
    rd_kafka_AdminOptions_set_operation_timeout(options.get(), static_cast<int>(timeout.count()),
                                                err, sizeof(err));
  }
  return options;
}

// Waits for the result event of one admin call on its private queue. A cluster that does
// not answer is explained by why its brokers refuse `client`, when they do.
Result<EventPtr> AwaitAdmin(Client& client, rd_kafka_queue_t* queue, milliseconds timeout,
                            std::string_view what) {
  EventPtr event(rd_kafka_queue_poll(queue, static_cast<int>((timeout + kReplyMargin).count())));
  if (!event) {
    return client.Explain(Timeout(fmt::format("{}: no reply within {} ms", what, timeout.count())));
  }
  rd_kafka_resp_err_t err = rd_kafka_event_error(event.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return client.Explain(
        internal::FromErrorCode(err, what, rd_kafka_event_error_string(event.get())));
  }
  return event;
}

}  // namespace internal

namespace {

using internal::AdminOptionsPtr;
using internal::ErrorPtr;
using internal::EventPtr;
using internal::QueuePtr;

std::vector<Status> TopicResults(const rd_kafka_topic_result_t** results, size_t n,
                                 const std::vector<std::string>& order, std::string_view verb,
                                 const Identity& identity, AclOperation operation) {
  std::map<std::string, Status> by_name;
  for (size_t i = 0; i < n; ++i) {
    const char* name = rd_kafka_topic_result_name(results[i]);
    const char* msg = rd_kafka_topic_result_error_string(results[i]);
    by_name[name] = internal::FromAccessError(rd_kafka_topic_result_error(results[i]), identity,
                                              {operation, AclResourceType::kTopic, name},
                                              fmt::format("{} {}", verb, name), msg ? msg : "");
  }
  std::vector<Status> out;
  for (const std::string& name : order) out.push_back(by_name[name]);
  return out;
}

ConfigSource ToSource(rd_kafka_ConfigSource_t s) {
  switch (s) {
    case RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG:
      return ConfigSource::kDynamicTopic;
    case RD_KAFKA_CONFIG_SOURCE_DYNAMIC_BROKER_CONFIG:
      return ConfigSource::kDynamicBroker;
    case RD_KAFKA_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER_CONFIG:
      return ConfigSource::kDynamicDefaultBroker;
    case RD_KAFKA_CONFIG_SOURCE_STATIC_BROKER_CONFIG:
      return ConfigSource::kStaticBroker;
    case RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG:
      return ConfigSource::kDefault;
    default:
      return ConfigSource::kUnknown;
  }
}

std::vector<ConfigEntry> Entries(const rd_kafka_ConfigResource_t* resource) {
  size_t n = 0;
  const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(resource, &n);
  std::vector<ConfigEntry> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    ConfigEntry e;
    e.name = rd_kafka_ConfigEntry_name(entries[i]);
    if (const char* v = rd_kafka_ConfigEntry_value(entries[i])) e.value = v;
    e.source = ToSource(rd_kafka_ConfigEntry_source(entries[i]));
    e.is_default = rd_kafka_ConfigEntry_is_default(entries[i]);
    e.read_only = rd_kafka_ConfigEntry_is_read_only(entries[i]);
    e.sensitive = rd_kafka_ConfigEntry_is_sensitive(entries[i]);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

Admin::Admin(ClientOptions options, bool for_coordinators)
    : Client(options.name, options.log_sink),
      options_(std::move(options)),
      for_coordinators_(for_coordinators) {}

// Nobody else polls an admin handle, so its error events (failed logins, TLS handshakes)
// wait in the main queue until someone asks why the cluster does not answer.
void Admin::ServeErrors() { rd_kafka_poll(handle(), 0); }

Result<std::unique_ptr<Admin>> Admin::Create(ClientOptions options) {
  return CreateHandle(std::move(options), /*for_coordinators=*/false);
}

Result<std::unique_ptr<Admin>> Admin::CreateHandle(ClientOptions options, bool for_coordinators) {
  // A consumer handle with a group of its own, never joined: librdkafka 2.15.1 answers a
  // NOT_COORDINATOR to ListConsumerGroupOffsets by asking the handle's own consumer group to
  // find its coordinator again, and a handle without one crashes (librdkafka issue 5040; it
  // happens the first time a cluster is asked about a group it has never seen). Finding the
  // coordinator of a group needs no ACL. Nothing is ever committed, and offset queries see
  // the high watermark, as a producer handle's do (a consumer's default is the LSO).
  Properties props = {{"group.id", "strait-admin"},
                      {"enable.auto.commit", "false"},
                      {"isolation.level", "read_uncommitted"}};
  props.insert(props.end(), options.properties.begin(), options.properties.end());
  std::unique_ptr<Admin> admin(new Admin(std::move(options), for_coordinators));
  STRAIT_RETURN_IF_ERROR(admin->Init(Type::kConsumer, props));
  return admin;
}

std::vector<std::vector<NewTopic>> CreateTopicsRequests(const std::vector<NewTopic>& topics,
                                                        int32_t max_partitions) {
  std::vector<std::vector<NewTopic>> requests;
  int64_t partitions = 0;
  for (const NewTopic& t : topics) {
    if (requests.empty() || partitions + t.partitions > max_partitions) {
      requests.emplace_back();
      partitions = 0;
    }
    requests.back().push_back(t);
    partitions += t.partitions;
  }
  return requests;
}

Result<std::vector<Status>> Admin::CreateTopics(const std::vector<NewTopic>& topics,
                                                milliseconds timeout, bool validate_only) {
  std::vector<Status> out;
  for (const std::vector<NewTopic>& request :
       CreateTopicsRequests(topics, kMaxPartitionsPerCreate)) {
    STRAIT_ASSIGN_OR_RETURN(std::vector<Status> statuses,
                            CreateTopicsRequest(request, timeout, validate_only));
    out.insert(out.end(), statuses.begin(), statuses.end());
  }
  return out;
}

Result<std::vector<Status>> Admin::CreateTopicsRequest(const std::vector<NewTopic>& topics,
                                                       milliseconds timeout, bool validate_only) {
  std::vector<rd_kafka_NewTopic_t*> news;
  std::vector<std::string> order;
  char err[512];
  Status build_error;
  for (const NewTopic& t : topics) {
    rd_kafka_NewTopic_t* nt =
        rd_kafka_NewTopic_new(t.name.c_str(), t.partitions, t.replication_factor, err, sizeof(err));
    if (nt == nullptr) {
      build_error = InvalidArgument(fmt::format("topic {}: {}", t.name, err));
      break;
    }
    for (const auto& [k, v] : t.configs) rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
    news.push_back(nt);
    order.push_back(t.name);
  }
  if (!build_error.ok()) {
    rd_kafka_NewTopic_destroy_array(news.data(), news.size());
    return build_error;
  }
  QueuePtr queue(rd_kafka_queue_new(handle()));
  AdminOptionsPtr options =
      internal::AdminOptions(handle(), RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout);
  if (validate_only) {
    rd_kafka_AdminOptions_set_validate_only(options.get(), 1, err, sizeof(err));
  }
  rd_kafka_CreateTopics(handle(), news.data(), news.size(), options.get(), queue.get());
  rd_kafka_NewTopic_destroy_array(news.data(), news.size());
  STRAIT_ASSIGN_OR_RETURN(EventPtr event,
                          internal::AwaitAdmin(*this, queue.get(), timeout, "creating topics"));
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event.get()), &n);
  return TopicResults(results, n, order,
                      validate_only ? "checking the creation of topic" : "creating topic",
                      identity(), AclOperation::kCreate);
}

Result<std::vector<Status>> Admin::DeleteTopics(const std::vector<std::string>& topics,
                                                milliseconds timeout) {
  std::vector<rd_kafka_DeleteTopic_t*> dels;
  for (const std::string& t : topics) dels.push_back(rd_kafka_DeleteTopic_new(t.c_str()));
  QueuePtr queue(rd_kafka_queue_new(handle()));
  AdminOptionsPtr options =
      internal::AdminOptions(handle(), RD_KAFKA_ADMIN_OP_DELETETOPICS, timeout);
  rd_kafka_DeleteTopics(handle(), dels.data(), dels.size(), options.get(), queue.get());
  rd_kafka_DeleteTopic_destroy_array(dels.data(), dels.size());
  STRAIT_ASSIGN_OR_RETURN(EventPtr event,
                          internal::AwaitAdmin(*this, queue.get(), timeout, "deleting topics"));
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event.get()), &n);
  return TopicResults(results, n, topics, "deleting topic", identity(), AclOperation::kDelete);
}

Status Admin::CreatePartitions(const std::string& topic, int32_t total, milliseconds timeout) {
  char err[512];
  rd_kafka_NewPartitions_t* np = rd_kafka_NewPartitions_new(topic.c_str(), total, err, sizeof(err));
  if (np == nullptr) return InvalidArgument(fmt::format("topic {}: {}", topic, err));
  QueuePtr queue(rd_kafka_queue_new(handle()));
  AdminOptionsPtr options =
      internal::AdminOptions(handle(), RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, timeout);
  rd_kafka_CreatePartitions(handle(), &np, 1, options.get(), queue.get());
  rd_kafka_NewPartitions_destroy(np);
  std::string what = fmt::format("raising {} to {} partitions", topic, total);
  STRAIT_ASSIGN_OR_RETURN(EventPtr event, internal::AwaitAdmin(*this, queue.get(), timeout, what));
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreatePartitions_result_topics(
      rd_kafka_event_CreatePartitions_result(event.get()), &n);
  return TopicResults(results, n, {topic}, "raising partitions of", identity(),
                      AclOperation::kAlter)[0];
}

Result<std::map<std::string, Result<std::vector<ConfigEntry>>>> Admin::DescribeTopicConfigs(
    const std::vector<std::string>& topics, milliseconds timeout) {
  std::vector<rd_kafka_ConfigResource_t*> resources;
  for (const std::string& t : topics) {
    resources.push_back(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, t.c_str()));
  }
  QueuePtr queue(rd_kafka_queue_new(handle()));
  AdminOptionsPtr options =
      internal::AdminOptions(handle(), RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout);
  rd_kafka_DescribeConfigs(handle(), resources.data(), resources.size(), options.get(),
                           queue.get());
  rd_kafka_ConfigResource_destroy_array(resources.data(), resources.size());
  STRAIT_ASSIGN_OR_RETURN(EventPtr event, internal::AwaitAdmin(*this, queue.get(), timeout,
                                                               "describing topic configs"));
  size_t n = 0;
  const rd_kafka_ConfigResource_t** results = rd_kafka_DescribeConfigs_result_resources(
      rd_kafka_event_DescribeConfigs_result(event.get()), &n);
  std::map<std::string, Result<std::vector<ConfigEntry>>> out;
  for (size_t i = 0; i < n; ++i) {
    std::string name = rd_kafka_ConfigResource_name(results[i]);
    rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(results[i]);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* msg = rd_kafka_ConfigResource_error_string(results[i]);
      out.emplace(name, internal::FromAccessError(
                            err, identity(),
                            {AclOperation::kDescribeConfigs, AclResourceType::kTopic, name},
                            fmt::format("configs of {}", name), msg ? msg : ""));
    } else {
      out.emplace(name, Entries(results[i]));
    }
  }
  return out;
}

Result<std::vector<ConfigEntry>> Admin::DescribeBrokerConfigs(int32_t broker_id,
                                                              milliseconds timeout) {
  std::string id = std::to_string(broker_id);
  rd_kafka_ConfigResource_t* resource =
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_BROKER, id.c_str());
  QueuePtr queue(rd_kafka_queue_new(handle()));
  AdminOptionsPtr options =
      internal::AdminOptions(handle(), RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout);
  rd_kafka_DescribeConfigs(handle(), &resource, 1, options.get(), queue.get());
  rd_kafka_ConfigResource_destroy(resource);
  std::string what = fmt::format("describing configs of broker {}", broker_id);
  STRAIT_ASSIGN_OR_RETURN(EventPtr event, internal::AwaitAdmin(*this, queue.get(), timeout, what));
  size_t n = 0;
  const rd_kafka_ConfigResource_t** results = rd_kafka_DescribeConfigs_result_resources(
      rd_kafka_event_DescribeConfigs_result(event.get()), &n);
  if (n != 1) return Internal(fmt::format("{}: {} results", what, n));
  rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(results[0]);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* msg = rd_kafka_ConfigResource_error_string(results[0]);
    return internal::FromAccessError(err, identity(),
                                     {AclOperation::kDescribeConfigs, AclResourceType::kCluster,
                                      std::string(kClusterResourceName)},
                                     what, msg ? msg : "");
  }
  return Entries(results[0]);
}

Result<std::map<std::string, Result<std::string>>> Admin::DescribeTopicIds(
    const std::vector<std::string>& topics, milliseconds timeout) {
  std::vector<const char*> names;
  for (const std::string& t : topics) names.push_back(t.c_str());
  std::unique_ptr<rd_kafka_TopicCollection_t, decltype(&rd_kafka_TopicCollection_destroy)>
      collection(rd_kafka_TopicCollection_of_topic_names(names.data(), names.size()),
                 &rd_kafka_TopicCollection_destroy);
  QueuePtr queue(rd_kafka_queue_new(handle()));
  AdminOptionsPtr options =
      internal::AdminOptions(handle(), RD_KAFKA_ADMIN_OP_DESCRIBETOPICS, timeout);
  rd_kafka_DescribeTopics(handle(), collection.get(), options.get(), queue.get());
  STRAIT_ASSIGN_OR_RETURN(EventPtr event,
                          internal::AwaitAdmin(*this, queue.get(), timeout, "describing topics"));
  size_t n = 0;
  const rd_kafka_TopicDescription_t** results =
      rd_kafka_DescribeTopics_result_topics(rd_kafka_event_DescribeTopics_result(event.get()), &n);
  std::map<std::string, Result<std::string>> out;
  for (size_t i = 0; i < n; ++i) {
    std::string name = rd_kafka_TopicDescription_name(results[i]);
    const rd_kafka_error_t* error = rd_kafka_TopicDescription_error(results[i]);
    if (error != nullptr && rd_kafka_error_code(error) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      out.emplace(name, internal::FromError(error, fmt::format("describing topic {}", name)));
      continue;
    }
    out.emplace(
        name, std::string(rd_kafka_Uuid_base64str(rd_kafka_TopicDescription_topic_id(results[i]))));
  }
  return out;
}

Status Admin::IncrementalAlterTopicConfigs(const std::string& topic, const ConfigChanges& changes,
                                           milliseconds timeout) {
  rd_kafka_ConfigResource_t* resource =
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
  auto add = [&](const std::string& key, const char* value, rd_kafka_AlterConfigOpType_t op) {
    ErrorPtr error(
        rd_kafka_ConfigResource_add_incremental_config(resource, key.c_str(), op, value));
    return error ? internal::FromError(error.get(), fmt::format("config {} of {}", key, topic))
                 : Status::Ok();
  };
  Status added;
  for (const auto& [k, v] : changes.set) {
    if (added.ok()) added = add(k, v.c_str(), RD_KAFKA_ALTER_CONFIG_OP_TYPE_SET);
  }
  for (const std::string& k : changes.remove) {
    if (added.ok()) added = add(k, nullptr, RD_KAFKA_ALTER_CONFIG_OP_TYPE_DELETE);
  }
  if (!added.ok()) {
    rd_kafka_ConfigResource_destroy(resource);
    return added;
  }
  QueuePtr queue(rd_kafka_queue_new(handle()));
  AdminOptionsPtr options =
      internal::AdminOptions(handle(), RD_KAFKA_ADMIN_OP_INCREMENTALALTERCONFIGS, timeout);
  rd_kafka_IncrementalAlterConfigs(handle(), &resource, 1, options.get(), queue.get());
  rd_kafka_ConfigResource_destroy(resource);
  std::string what = fmt::format("altering configs of {}", topic);
  STRAIT_ASSIGN_OR_RETURN(EventPtr event, internal::AwaitAdmin(*this, queue.get(), timeout, what));
  size_t n = 0;
  const rd_kafka_ConfigResource_t** results = rd_kafka_IncrementalAlterConfigs_result_resources(
      rd_kafka_event_IncrementalAlterConfigs_result(event.get()), &n);
  for (size_t i = 0; i < n; ++i) {
    rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(results[i]);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* msg = rd_kafka_ConfigResource_error_string(results[i]);
      return internal::FromAccessError(
          err, identity(), {AclOperation::kAlterConfigs, AclResourceType::kTopic, topic}, what,
          msg ? msg : "");
    }
  }
  return Status::Ok();
}

}  // namespace strait::kafka
