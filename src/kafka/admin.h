// Admin operations strait needs on a cluster: topics, partitions, configs, consumer groups.
//
// Each call blocks until the cluster answered or `timeout` passed, and returns per-item
// results where Kafka gives them. Thread-safe: calls may overlap from several threads.
//
// The calls that go to a group's coordinator (describing a group, reading, committing and
// deleting its offsets) run on a second librdkafka handle, created when first needed and
// replaced after such a call timed out: librdkafka 2.15.1 frees the state of a coordinator
// call that timed out before the coordinator could be reached, and touches it again once
// the coordinator answers, which aborts the process (librdkafka issue 4605). A handle that
// is destroyed right after the timeout never sees the coordinator come back.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kafka/acl.h"
#include "kafka/client.h"

namespace strait::kafka {

// A KRaft controller refuses a request that would write more than 10,000 metadata
// records ("Unable to perform excessively large batch operation"), one per topic and per
// partition: topics to create, split into requests of at most `max_partitions` partitions
// (a bigger topic alone), in order.
inline constexpr int32_t kMaxPartitionsPerCreate = 5000;
std::vector<std::vector<NewTopic>> CreateTopicsRequests(const std::vector<NewTopic>& topics,
                                                        int32_t max_partitions);

class Admin : public Client {
 public:
  static Result<std::unique_ptr<Admin>> Create(ClientOptions options);

  // One Status per requested topic, in request order. With `validate_only` the brokers only
  // check (the authorizer included) that the topics could be created. Many topics go in
  // several requests (CreateTopicsRequests), each with its own `timeout`.
  Result<std::vector<Status>> CreateTopics(const std::vector<NewTopic>& topics,
                                           milliseconds timeout, bool validate_only = false);
  Result<std::vector<Status>> DeleteTopics(const std::vector<std::string>& topics,
                                           milliseconds timeout);
  // Raises the topic's partition count to `total`.
  Status CreatePartitions(const std::string& topic, int32_t total, milliseconds timeout);

  // Each topic's id (base64, as Kafka's tools print it), keyed by name: a topic deleted and
  // created again under the same name has a new id.
  Result<std::map<std::string, Result<std::string>>> DescribeTopicIds(
      const std::vector<std::string>& topics, milliseconds timeout);

  // Every config entry of each topic (with its source), keyed by topic.
  Result<std::map<std::string, Result<std::vector<ConfigEntry>>>> DescribeTopicConfigs(
      const std::vector<std::string>& topics, milliseconds timeout);
  Result<std::vector<ConfigEntry>> DescribeBrokerConfigs(int32_t broker_id, milliseconds timeout);
  // Changes only the named keys of the topic (IncrementalAlterConfigs): `set` gives them a
  // value, `remove` sends them back to the broker default; every other override stays as
  // it is, even one an operator changes at the same moment.
  Status IncrementalAlterTopicConfigs(const std::string& topic, const ConfigChanges& changes,
                                      milliseconds timeout);

  Result<std::vector<GroupListing>> ListConsumerGroups(milliseconds timeout);
  Result<std::vector<GroupDescription>> DescribeConsumerGroups(
      const std::vector<std::string>& groups, milliseconds timeout);
  // The group's committed offsets (all partitions when `partitions` is empty).
  Result<std::vector<TopicPartitionOffset>> ListConsumerGroupOffsets(
      const std::string& group, const std::vector<TopicPartition>& partitions,
      milliseconds timeout);
  // Commits offsets for a group that has no active members; per-partition errors in the result.
  Result<std::vector<TopicPartitionOffset>> AlterConsumerGroupOffsets(
      const std::string& group, const std::vector<TopicPartitionOffset>& offsets,
      milliseconds timeout);
  Status DeleteConsumerGroup(const std::string& group, milliseconds timeout);

  // ACLs (admin_acl.cc). The bindings matching `filter`; nullopt when the cluster has no
  // authorizer (SECURITY_DISABLED). Needs DESCRIBE on the cluster.
  Result<std::optional<std::vector<AclBinding>>> DescribeAcls(const AclFilter& filter,
                                                              milliseconds timeout);
  // One Status per binding, in order. Needs ALTER on the cluster.
  Result<std::vector<Status>> CreateAcls(const std::vector<AclBinding>& bindings,
                                         milliseconds timeout);
  // Deletes every binding that matches one of `filters`; returns those deleted.
  Result<std::vector<AclBinding>> DeleteAcls(const std::vector<AclFilter>& filters,
                                             milliseconds timeout);
  // What this client's principal may do (Kafka's authorized operations): on the cluster, and
  // on each topic (a topic it may not even DESCRIBE comes back as an error).
  Result<std::set<AclOperation>> ClusterOperations(milliseconds timeout);
  Result<std::map<std::string, Result<std::set<AclOperation>>>> TopicOperations(
      const std::vector<std::string>& topics, milliseconds timeout);
  // ... and on a consumer group, which need not exist yet: READ and DESCRIBE, or DESCRIBE, or
  // none. Kafka reports a group's operations only once it exists, so this asks with an
  // offset commit for a topic that cannot exist: the broker checks the group's ACLs, then
  // drops the unknown topic, and nothing is written.
  Result<std::set<AclOperation>> GroupOperations(const std::string& group, milliseconds timeout);

 protected:
  void ServeErrors() override;

 private:
  Admin(ClientOptions options, bool for_coordinators);
  static Result<std::unique_ptr<Admin>> CreateHandle(ClientOptions options, bool for_coordinators);
  Result<std::vector<Status>> CreateTopicsRequest(const std::vector<NewTopic>& topics,
                                                  milliseconds timeout, bool validate_only);
  // Runs `call` on the coordinator handle (admin_groups.cc); `call` is one of the group
  // calls, which on that handle run directly.
  template <typename Call>
  auto OnCoordinatorHandle(Call call) -> decltype(call(std::declval<Admin&>()));
  // The coordinator handle's deleter: destroys it on a thread of its own, waiting a bounded
  // time (admin_groups.cc says why).
  static void DestroyCoordinatorHandle(Admin* handle);

  const ClientOptions options_;  // the coordinator handle is made from them
  const bool for_coordinators_;  // this is a coordinator handle
  std::mutex coordinator_mu_;
  std::shared_ptr<Admin> coordinator_;  // guarded by coordinator_mu_; null until first used
};

}  // namespace strait::kafka
