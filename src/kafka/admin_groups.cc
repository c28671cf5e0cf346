// Admin calls about consumer groups: list, describe, read, move and delete their offsets.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "base/log.h"
#include "kafka/admin.h"
#include "kafka/handles.h"
#include "kafka/internal.h"

namespace strait::kafka {
namespace {

using internal::AdminOptionsPtr;
using internal::EventPtr;
using internal::QueuePtr;

GroupState ToGroupState(rd_kafka_consumer_group_state_t s) {
  switch (s) {
    case RD_KAFKA_CONSUMER_GROUP_STATE_PREPARING_REBALANCE:
      return GroupState::kPreparingRebalance;
    case RD_KAFKA_CONSUMER_GROUP_STATE_COMPLETING_REBALANCE:
      return GroupState::kCompletingRebalance;
    case RD_KAFKA_CONSUMER_GROUP_STATE_STABLE:
      return GroupState::kStable;
    case RD_KAFKA_CONSUMER_GROUP_STATE_DEAD:
      return GroupState::kDead;
    case RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY:
      return GroupState::kEmpty;
    default:
      return GroupState::kUnknown;
  }
}

// `operation` is what the group call needs on the group and on each of its topics.
Result<std::vector<TopicPartitionOffset>> GroupResultOffsets(const rd_kafka_group_result_t** groups,
                                                             size_t n, std::string_view what,
                                                             const Identity& identity,
                                                             AclOperation operation) {
  if (n != 1) return Internal(fmt::format("{}: expected one group result, got {}", what, n));
  std::string group = rd_kafka_group_result_name(groups[0]);
  Status s = internal::FromAccessError(rd_kafka_group_result_error(groups[0]), identity,
                                       {operation, AclResourceType::kGroup, group}, what);
  if (!s.ok()) return s;
  const rd_kafka_topic_partition_list_t* list = rd_kafka_group_result_partitions(groups[0]);
  std::vector<TopicPartitionOffset> out = internal::FromPartitionList(list);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].error = internal::FromAccessError(list->elems[i].err, identity,
                                             {operation, AclResourceType::kTopic, out[i].topic},
                                             fmt::format("{}[{}]", out[i].topic, out[i].partition));
  }
  return out;
}

// Sends the commit of `offsets` to `group` through `rk`, the handle of `admin`, and waits for
// the reply.
Result<EventPtr> CommitGroupOffsets(Admin& admin, rd_kafka_t* rk, const std::string& group,
                                    const std::vector<TopicPartitionOffset>& offsets,
                                    std::chrono::milliseconds timeout, std::string_view what) {
  internal::PartitionListPtr list = internal::ToPartitionList(offsets);
  rd_kafka_AlterConsumerGroupOffsets_t* request =
      rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get());
  QueuePtr queue(rd_kafka_queue_new(rk));
  AdminOptionsPtr options =
      internal::AdminOptions(rk, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, timeout);
  rd_kafka_AlterConsumerGroupOffsets(rk, &request, 1, options.get(), queue.get());
  rd_kafka_AlterConsumerGroupOffsets_destroy(request);
  return internal::AwaitAdmin(admin, queue.get(), timeout, what);
}

bool TimedOut(const Status& s) { return s.code() == StatusCode::kTimeout; }

template <typename T>
bool TimedOut(const Result<T>& r) {
  return !r.ok() && TimedOut(r.status());
}

// A description of several groups times out group by group.
bool TimedOut(const Result<std::vector<GroupDescription>>& r) {
  if (!r.ok()) return TimedOut(r.status());
  return std::any_of(r->begin(), r->end(),
                     [](const GroupDescription& d) { return TimedOut(d.error); });
}

// How long the thread that lets go of a coordinator handle waits for it to be destroyed.
constexpr auto kDestroyPatience = std::chrono::seconds(10);

std::atomic<int64_t> handles_left_behind{0};

}  // namespace

int64_t HandlesLeftBehind() { return handles_left_behind.load(std::memory_order_relaxed); }

// librdkafka 2.15.1 can keep a broker referenced after a coordinator call on it timed out:
// rd_kafka_destroy() then joins that broker's thread, which never ends (the admin test's
// coordinator handle hung so in two CI runs out of five; the stacks: the handle's main
// thread in rd_kafka_destroy_internal joining "rdk:broker1", which kept serving). The
// handle is therefore destroyed on a thread of its own. Its last user waits for that as
// before, so that a handle normally ends before the caller goes on (and before the process
// exits), but not past kDestroyPatience: a handle stuck there is left behind, its threads
// and memory with it, and said so once per handle.
void Admin::DestroyCoordinatorHandle(Admin* handle) {
  auto destroyed = std::make_shared<std::promise<void>>();
  std::future<void> done = destroyed->get_future();
  const std::string name = handle->name();
  std::thread([handle, destroyed] {
    delete handle;
    destroyed->set_value();
  }).detach();
  if (done.wait_for(kDestroyPatience) == std::future_status::ready) return;
  handles_left_behind.fetch_add(1, std::memory_order_relaxed);
  log::Warn(
      "kafka",
      "a librdkafka handle did not close after a group call timed out (librdkafka "
      "2.15.1); it is left behind and a new one is used",
      {{"client", name}, {"waited_ms", static_cast<int64_t>(kDestroyPatience.count() * 1000)}});
}

template <typename Call>
auto Admin::OnCoordinatorHandle(Call call) -> decltype(call(std::declval<Admin&>())) {
  std::shared_ptr<Admin> handle;
  {
    std::lock_guard lock(coordinator_mu_);
    if (coordinator_ == nullptr) {
      ClientOptions options = options_;
      options.name += "/groups";
      Result<std::unique_ptr<Admin>> created =
          CreateHandle(std::move(options), /*for_coordinators=*/true);
      if (!created.ok()) return created.status();
      coordinator_ = std::shared_ptr<Admin>(std::move(created).value().release(),
                                            &Admin::DestroyCoordinatorHandle);
    }
    handle = coordinator_;
  }
  auto result = call(*handle);
  if (TimedOut(result)) {
    // Destroyed now (or when the last call still on it returns), before the coordinator
    // can answer again: see admin.h.
    std::lock_guard lock(coordinator_mu_);
    if (coordinator_ == handle) coordinator_.reset();
  }
  return result;
}

Result<std::vector<GroupListing>> Admin::ListConsumerGroups(milliseconds timeout) {
  QueuePtr queue(rd_kafka_queue_new(handle()));
  AdminOptionsPtr options =
      internal::AdminOptions(handle(), RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, timeout);
  rd_kafka_ListConsumerGroups(handle(), options.get(), queue.get());
  STRAIT_ASSIGN_OR_RETURN(
      EventPtr event, internal::AwaitAdmin(*this, queue.get(), timeout, "listing consumer groups"));
  const rd_kafka_ListConsumerGroups_result_t* result =
      rd_kafka_event_ListConsumerGroups_result(event.get());
  size_t n_errors = 0;
  const rd_kafka_error_t** errors = rd_kafka_ListConsumerGroups_result_errors(result, &n_errors);
  // A partial answer (one broker down) is still reported as an error: a group missing from
  // the list must not look like a group that does not exist.
  if (n_errors > 0) return internal::FromError(errors[0], "listing consumer groups");
  size_t n = 0;
  const rd_kafka_ConsumerGroupListing_t** groups =
      rd_kafka_ListConsumerGroups_result_valid(result, &n);
  std::vector<GroupListing> out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back({rd_kafka_ConsumerGroupListing_group_id(groups[i]),
                   ToGroupState(rd_kafka_ConsumerGroupListing_state(groups[i])),
                   rd_kafka_ConsumerGroupListing_is_simple_consumer_group(groups[i]) != 0});
  }
  return out;
}

Result<std::vector<GroupDescription>> Admin::DescribeConsumerGroups(
    const std::vector<std::string>& groups, milliseconds timeout) {
  if (!for_coordinators_) {
    return OnCoordinatorHandle([&](Admin& a) { return a.DescribeConsumerGroups(groups, timeout); });
  }
  std::vector<const char*> names;
  for (const std::string& g : groups) names.push_back(g.c_str());
  QueuePtr queue(rd_kafka_queue_new(handle()));
  AdminOptionsPtr options =
      internal::AdminOptions(handle(), RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, timeout);
  rd_kafka_DescribeConsumerGroups(handle(), names.data(), names.size(), options.get(), queue.get());
  STRAIT_ASSIGN_OR_RETURN(EventPtr event, internal::AwaitAdmin(*this, queue.get(), timeout,
                                                               "describing consumer groups"));
  size_t n = 0;
  const rd_kafka_ConsumerGroupDescription_t** descs = rd_kafka_DescribeConsumerGroups_result_groups(
      rd_kafka_event_DescribeConsumerGroups_result(event.get()), &n);
  std::vector<GroupDescription> out;
  for (size_t i = 0; i < n; ++i) {
    GroupDescription d;
    d.group_id = rd_kafka_ConsumerGroupDescription_group_id(descs[i]);
    d.error =
        internal::FromAccessError(rd_kafka_ConsumerGroupDescription_error(descs[i]), identity(),
                                  {AclOperation::kDescribe, AclResourceType::kGroup, d.group_id},
                                  fmt::format("describing group {}", d.group_id));
    d.state = ToGroupState(rd_kafka_ConsumerGroupDescription_state(descs[i]));
    if (const rd_kafka_Node_t* node = rd_kafka_ConsumerGroupDescription_coordinator(descs[i])) {
      d.coordinator_id = rd_kafka_Node_id(node);
    }
    size_t members = rd_kafka_ConsumerGroupDescription_member_count(descs[i]);
    for (size_t m = 0; m < members; ++m) {
      const rd_kafka_MemberDescription_t* md =
          rd_kafka_ConsumerGroupDescription_member(descs[i], m);
      GroupMember member;
      member.member_id = rd_kafka_MemberDescription_consumer_id(md);
      member.client_id = rd_kafka_MemberDescription_client_id(md);
      member.host = rd_kafka_MemberDescription_host(md);
      if (const rd_kafka_MemberAssignment_t* a = rd_kafka_MemberDescription_assignment(md)) {
        for (const TopicPartitionOffset& tp :
             internal::FromPartitionList(rd_kafka_MemberAssignment_partitions(a))) {
          member.assignment.push_back({tp.topic, tp.partition});
        }
      }
      d.members.push_back(std::move(member));
    }
    out.push_back(std::move(d));
  }
  return out;
}

Result<std::vector<TopicPartitionOffset>> Admin::ListConsumerGroupOffsets(
    const std::string& group, const std::vector<TopicPartition>& partitions, milliseconds timeout) {
  if (!for_coordinators_) {
    return OnCoordinatorHandle(
        [&](Admin& a) { return a.ListConsumerGroupOffsets(group, partitions, timeout); });
  }
  internal::PartitionListPtr list;
  if (!partitions.empty()) {
    std::vector<TopicPartitionOffset> tps;
    for (const TopicPartition& tp : partitions) tps.push_back({tp.topic, tp.partition});
    list = internal::ToPartitionList(tps);
  }
  rd_kafka_ListConsumerGroupOffsets_t* request =
      rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), list.get());
  QueuePtr queue(rd_kafka_queue_new(handle()));
  AdminOptionsPtr options =
      internal::AdminOptions(handle(), RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, timeout);
  rd_kafka_ListConsumerGroupOffsets(handle(), &request, 1, options.get(), queue.get());
  rd_kafka_ListConsumerGroupOffsets_destroy(request);
  std::string what = fmt::format("reading committed offsets of group {}", group);
  STRAIT_ASSIGN_OR_RETURN(EventPtr event, internal::AwaitAdmin(*this, queue.get(), timeout, what));
  size_t n = 0;
  const rd_kafka_group_result_t** groups = rd_kafka_ListConsumerGroupOffsets_result_groups(
      rd_kafka_event_ListConsumerGroupOffsets_result(event.get()), &n);
  return GroupResultOffsets(groups, n, what, identity(), AclOperation::kDescribe);
}

Result<std::vector<TopicPartitionOffset>> Admin::AlterConsumerGroupOffsets(
    const std::string& group, const std::vector<TopicPartitionOffset>& offsets,
    milliseconds timeout) {
  if (!for_coordinators_) {
    return OnCoordinatorHandle(
        [&](Admin& a) { return a.AlterConsumerGroupOffsets(group, offsets, timeout); });
  }
  std::string what = fmt::format("committing offsets for group {}", group);
  STRAIT_ASSIGN_OR_RETURN(EventPtr event,
                          CommitGroupOffsets(*this, handle(), group, offsets, timeout, what));
  size_t n = 0;
  const rd_kafka_group_result_t** groups = rd_kafka_AlterConsumerGroupOffsets_result_groups(
      rd_kafka_event_AlterConsumerGroupOffsets_result(event.get()), &n);
  return GroupResultOffsets(groups, n, what, identity(), AclOperation::kRead);
}

Result<std::set<AclOperation>> Admin::GroupOperations(const std::string& group,
                                                      milliseconds timeout) {
  if (!for_coordinators_) {
    return OnCoordinatorHandle([&](Admin& a) { return a.GroupOperations(group, timeout); });
  }
  // A space is not allowed in a topic name: no such topic can exist.
  const TopicPartitionOffset probe{"strait check: no such topic", 0, 0};
  std::string what = fmt::format("checking access to group {}", group);
  Result<EventPtr> event = CommitGroupOffsets(*this, handle(), group, {probe}, timeout, what);
  // Finding the group's coordinator takes DESCRIBE on the group.
  if (!event.ok()) {
    if (event.status().code() == StatusCode::kPermissionDenied) return std::set<AclOperation>{};
    return event.status();
  }
  size_t n = 0;
  const rd_kafka_group_result_t** groups = rd_kafka_AlterConsumerGroupOffsets_result_groups(
      rd_kafka_event_AlterConsumerGroupOffsets_result(event->get()), &n);
  if (n != 1) return Internal(fmt::format("{}: expected one group result, got {}", what, n));
  rd_kafka_resp_err_t err = rd_kafka_error_code(rd_kafka_group_result_error(groups[0]));
  const rd_kafka_topic_partition_list_t* list = rd_kafka_group_result_partitions(groups[0]);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR && list != nullptr && list->cnt > 0) {
    err = list->elems[0].err;
  }
  switch (err) {
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:  // READ is checked first
      return std::set<AclOperation>{AclOperation::kDescribe};
    case RD_KAFKA_RESP_ERR_NO_ERROR:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
      return std::set<AclOperation>{AclOperation::kRead, AclOperation::kDescribe};
    default:
      return internal::FromErrorCode(err, what);
  }
}

Status Admin::DeleteConsumerGroup(const std::string& group, milliseconds timeout) {
  if (!for_coordinators_) {
    return OnCoordinatorHandle([&](Admin& a) { return a.DeleteConsumerGroup(group, timeout); });
  }
  rd_kafka_DeleteGroup_t* del = rd_kafka_DeleteGroup_new(group.c_str());
  QueuePtr queue(rd_kafka_queue_new(handle()));
  AdminOptionsPtr options =
      internal::AdminOptions(handle(), RD_KAFKA_ADMIN_OP_DELETEGROUPS, timeout);
  rd_kafka_DeleteGroups(handle(), &del, 1, options.get(), queue.get());
  rd_kafka_DeleteGroup_destroy(del);
  std::string what = fmt::format("deleting group {}", group);
  STRAIT_ASSIGN_OR_RETURN(EventPtr event, internal::AwaitAdmin(*this, queue.get(), timeout, what));
  size_t n = 0;
  const rd_kafka_group_result_t** groups =
      rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(event.get()), &n);
  if (n != 1) return Internal(fmt::format("{}: {} results", what, n));
  return internal::FromAccessError(rd_kafka_group_result_error(groups[0]), identity(),
                                   {AclOperation::kDelete, AclResourceType::kGroup, group}, what);
}

}  // namespace strait::kafka
