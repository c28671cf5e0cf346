// Admin operations strait needs on a cluster: topics, partitions, configs, consumer groups.
//
// Each call blocks until the cluster answered or `timeout` passed, and returns per-item
// results where Kafka gives them. Thread-safe: calls may overlap from several threads.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kafka/client.h"

namespace strait::kafka {

class Admin : public Client {
 public:
  static Result<std::unique_ptr<Admin>> Create(const ClientOptions& options);

  // One Status per requested topic, in request order.
  Result<std::vector<Status>> CreateTopics(const std::vector<NewTopic>& topics,
                                           milliseconds timeout);
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

 private:
  explicit Admin(const ClientOptions& options);
};

}  // namespace strait::kafka
