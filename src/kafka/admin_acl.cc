// Admin calls about access: ACLs (describe, create, delete) and the operations this
// client's own principal is authorized for.
#include <fmt/format.h>

#include "kafka/admin.h"
#include "kafka/internal.h"

namespace strait::kafka {
namespace {

using internal::AdminOptionsPtr;
using internal::EventPtr;
using internal::QueuePtr;

struct AclDeleter {
  void operator()(rd_kafka_AclBinding_t* b) const { rd_kafka_AclBinding_destroy(b); }
};
using AclPtr = std::unique_ptr<rd_kafka_AclBinding_t, AclDeleter>;

const char* OrNull(const std::optional<std::string>& s) { return s ? s->c_str() : nullptr; }

AclBinding FromRaw(const rd_kafka_AclBinding_t* b) {
  AclBinding out;
  out.resource_type = static_cast<AclResourceType>(rd_kafka_AclBinding_restype(b));
  out.resource_name = rd_kafka_AclBinding_name(b);
  out.pattern = static_cast<AclPatternType>(rd_kafka_AclBinding_resource_pattern_type(b));
  out.principal = rd_kafka_AclBinding_principal(b);
  out.host = rd_kafka_AclBinding_host(b);
  out.operation = static_cast<AclOperation>(rd_kafka_AclBinding_operation(b));
  out.permission = static_cast<AclPermission>(rd_kafka_AclBinding_permission_type(b));
  return out;
}

Result<AclPtr> ToRaw(const AclBinding& b) {
  char err[256];
  AclPtr raw(rd_kafka_AclBinding_new(
      static_cast<rd_kafka_ResourceType_t>(b.resource_type), b.resource_name.c_str(),
      static_cast<rd_kafka_ResourcePatternType_t>(b.pattern), b.principal.c_str(), b.host.c_str(),
      static_cast<rd_kafka_AclOperation_t>(b.operation),
      static_cast<rd_kafka_AclPermissionType_t>(b.permission), err, sizeof(err)));
  if (!raw) return InvalidArgument(fmt::format("ACL {}: {}", DescribeAcl(b), err));
  return raw;
}

Result<AclPtr> ToRaw(const AclFilter& f) {
  char err[256];
  AclPtr raw(rd_kafka_AclBindingFilter_new(
      static_cast<rd_kafka_ResourceType_t>(f.resource_type), OrNull(f.resource_name),
      static_cast<rd_kafka_ResourcePatternType_t>(f.pattern), OrNull(f.principal), OrNull(f.host),
      static_cast<rd_kafka_AclOperation_t>(f.operation),
      static_cast<rd_kafka_AclPermissionType_t>(f.permission), err, sizeof(err)));
  if (!raw) return InvalidArgument(fmt::format("ACL filter: {}", err));
  return raw;
}

std::set<AclOperation> Operations(const rd_kafka_AclOperation_t* ops, size_t n) {
  std::set<AclOperation> out;
  for (size_t i = 0; i < n; ++i) out.insert(static_cast<AclOperation>(ops[i]));
  return out;
}

const internal::Access kDescribeCluster{AclOperation::kDescribe, AclResourceType::kCluster,
                                        std::string(kClusterResourceName)};
const internal::Access kAlterCluster{AclOperation::kAlter, AclResourceType::kCluster,
                                     std::string(kClusterResourceName)};

}  // namespace

Result<std::optional<std::vector<AclBinding>>> Admin::DescribeAcls(const AclFilter& filter,
                                                                   milliseconds timeout) {
  STRAIT_ASSIGN_OR_RETURN(AclPtr raw, ToRaw(filter));
  QueuePtr queue(rd_kafka_queue_new(handle()));
  AdminOptionsPtr options =
      internal::AdminOptions(handle(), RD_KAFKA_ADMIN_OP_DESCRIBEACLS, timeout);
  rd_kafka_DescribeAcls(handle(), raw.get(), options.get(), queue.get());
  EventPtr event(rd_kafka_queue_poll(
      queue.get(), static_cast<int>((timeout + std::chrono::seconds(2)).count())));
  if (!event) {
    return Explain(Timeout(fmt::format("describing ACLs: no reply within {} ms", timeout.count())));
  }
  rd_kafka_resp_err_t err = rd_kafka_event_error(event.get());
  if (err == RD_KAFKA_RESP_ERR_SECURITY_DISABLED) return std::optional<std::vector<AclBinding>>();
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Explain(internal::FromAccessError(err, identity(), kDescribeCluster, "describing ACLs",
                                             rd_kafka_event_error_string(event.get())));
  }
  size_t n = 0;
  const rd_kafka_AclBinding_t** acls =
      rd_kafka_DescribeAcls_result_acls(rd_kafka_event_DescribeAcls_result(event.get()), &n);
  std::vector<AclBinding> out;
  for (size_t i = 0; i < n; ++i) out.push_back(FromRaw(acls[i]));
  return std::optional<std::vector<AclBinding>>(std::move(out));
}

Result<std::vector<Status>> Admin::CreateAcls(const std::vector<AclBinding>& bindings,
                                              milliseconds timeout) {
  std::vector<AclPtr> owned;
  std::vector<rd_kafka_AclBinding_t*> raw;
  for (const AclBinding& b : bindings) {
    STRAIT_ASSIGN_OR_RETURN(AclPtr r, ToRaw(b));
    raw.push_back(r.get());
    owned.push_back(std::move(r));
  }
  QueuePtr queue(rd_kafka_queue_new(handle()));
  AdminOptionsPtr options = internal::AdminOptions(handle(), RD_KAFKA_ADMIN_OP_CREATEACLS, timeout);
  rd_kafka_CreateAcls(handle(), raw.data(), raw.size(), options.get(), queue.get());
  STRAIT_ASSIGN_OR_RETURN(EventPtr event,
                          internal::AwaitAdmin(*this, queue.get(), timeout, "creating ACLs"));
  size_t n = 0;
  const rd_kafka_acl_result_t** results =
      rd_kafka_CreateAcls_result_acls(rd_kafka_event_CreateAcls_result(event.get()), &n);
  std::vector<Status> out;
  for (size_t i = 0; i < n && i < bindings.size(); ++i) {
    out.push_back(internal::FromAccessError(rd_kafka_acl_result_error(results[i]), identity(),
                                            kAlterCluster,
                                            "creating ACL " + DescribeAcl(bindings[i])));
  }
  return out;
}

Result<std::vector<AclBinding>> Admin::DeleteAcls(const std::vector<AclFilter>& filters,
                                                  milliseconds timeout) {
  std::vector<AclPtr> owned;
  std::vector<rd_kafka_AclBindingFilter_t*> raw;
  for (const AclFilter& f : filters) {
    STRAIT_ASSIGN_OR_RETURN(AclPtr r, ToRaw(f));
    raw.push_back(r.get());
    owned.push_back(std::move(r));
  }
  QueuePtr queue(rd_kafka_queue_new(handle()));
  AdminOptionsPtr options = internal::AdminOptions(handle(), RD_KAFKA_ADMIN_OP_DELETEACLS, timeout);
  rd_kafka_DeleteAcls(handle(), raw.data(), raw.size(), options.get(), queue.get());
  STRAIT_ASSIGN_OR_RETURN(EventPtr event,
                          internal::AwaitAdmin(*this, queue.get(), timeout, "deleting ACLs"));
  size_t n = 0;
  const rd_kafka_DeleteAcls_result_response_t** responses =
      rd_kafka_DeleteAcls_result_responses(rd_kafka_event_DeleteAcls_result(event.get()), &n);
  std::vector<AclBinding> deleted;
  for (size_t i = 0; i < n; ++i) {
    STRAIT_RETURN_IF_ERROR(
        internal::FromAccessError(rd_kafka_DeleteAcls_result_response_error(responses[i]),
                                  identity(), kAlterCluster, "deleting ACLs"));
    size_t m = 0;
    const rd_kafka_AclBinding_t** matching =
        rd_kafka_DeleteAcls_result_response_matching_acls(responses[i], &m);
    for (size_t j = 0; j < m; ++j) deleted.push_back(FromRaw(matching[j]));
  }
  return deleted;
}

Result<std::set<AclOperation>> Admin::ClusterOperations(milliseconds timeout) {
  QueuePtr queue(rd_kafka_queue_new(handle()));
  AdminOptionsPtr options =
      internal::AdminOptions(handle(), RD_KAFKA_ADMIN_OP_DESCRIBECLUSTER, timeout);
  internal::ErrorPtr set(rd_kafka_AdminOptions_set_include_authorized_operations(options.get(), 1));
  rd_kafka_DescribeCluster(handle(), options.get(), queue.get());
  STRAIT_ASSIGN_OR_RETURN(
      EventPtr event, internal::AwaitAdmin(*this, queue.get(), timeout, "describing the cluster"));
  size_t n = 0;
  const rd_kafka_AclOperation_t* ops = rd_kafka_DescribeCluster_result_authorized_operations(
      rd_kafka_event_DescribeCluster_result(event.get()), &n);
  return Operations(ops, n);
}

Result<std::map<std::string, Result<std::set<AclOperation>>>> Admin::TopicOperations(
    const std::vector<std::string>& topics, milliseconds timeout) {
  std::vector<const char*> names;
  for (const std::string& t : topics) names.push_back(t.c_str());
  std::unique_ptr<rd_kafka_TopicCollection_t, void (*)(rd_kafka_TopicCollection_t*)> collection(
      rd_kafka_TopicCollection_of_topic_names(names.data(), names.size()),
      &rd_kafka_TopicCollection_destroy);
  QueuePtr queue(rd_kafka_queue_new(handle()));
  AdminOptionsPtr options =
      internal::AdminOptions(handle(), RD_KAFKA_ADMIN_OP_DESCRIBETOPICS, timeout);
  internal::ErrorPtr set(rd_kafka_AdminOptions_set_include_authorized_operations(options.get(), 1));
  rd_kafka_DescribeTopics(handle(), collection.get(), options.get(), queue.get());
  STRAIT_ASSIGN_OR_RETURN(EventPtr event,
                          internal::AwaitAdmin(*this, queue.get(), timeout, "describing topics"));
  size_t n = 0;
  const rd_kafka_TopicDescription_t** descs =
      rd_kafka_DescribeTopics_result_topics(rd_kafka_event_DescribeTopics_result(event.get()), &n);
  std::map<std::string, Result<std::set<AclOperation>>> out;
  for (size_t i = 0; i < n; ++i) {
    std::string name = rd_kafka_TopicDescription_name(descs[i]);
    Status s = internal::FromAccessError(rd_kafka_TopicDescription_error(descs[i]), identity(),
                                         {AclOperation::kDescribe, AclResourceType::kTopic, name},
                                         "describing topic " + name);
    if (!s.ok()) {
      out.emplace(name, s);
      continue;
    }
    size_t m = 0;
    const rd_kafka_AclOperation_t* ops =
        rd_kafka_TopicDescription_authorized_operations(descs[i], &m);
    out.emplace(name, Operations(ops, m));
  }
  return out;
}

}  // namespace strait::kafka
