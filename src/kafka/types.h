// Plain descriptions of Kafka things (partitions, brokers, configs, groups) that the rest of
// strait passes around. No librdkafka types here: only kafka/*.cc includes librdkafka.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace strait::kafka {

// librdkafka client properties, in the order they were given.
using Properties = std::vector<std::pair<std::string, std::string>>;

// Kafka's logical offsets, as librdkafka spells them.
inline constexpr int64_t kOffsetBeginning = -2;
inline constexpr int64_t kOffsetEnd = -1;
inline constexpr int64_t kOffsetInvalid = -1001;
// "n records before the end", resolved by librdkafka when a partition is assigned.
constexpr int64_t OffsetTail(int64_t n) { return -2000 - n; }

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;  // NOLINT(modernize-use-nullptr)
};

struct TopicPartitionOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = kOffsetInvalid;
  std::string metadata;  // commit metadata, for group offsets
  Status error;          // per-partition result of an admin call
};

struct Watermarks {
  int64_t low = 0;   // log start offset
  int64_t high = 0;  // high watermark: the offset the next record will get
};

struct BrokerInfo {
  int32_t id = 0;
  std::string host;
  int port = 0;
};

struct PartitionInfo {
  int32_t id = 0;
  int32_t leader = -1;
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
  Status error;
};

struct TopicInfo {
  std::string name;
  std::vector<PartitionInfo> partitions;
  Status error;
};

struct ClusterMetadata {
  std::vector<BrokerInfo> brokers;
  std::vector<TopicInfo> topics;
  int32_t controller_id = -1;
  int32_t origin_broker_id = -1;

  const TopicInfo* FindTopic(const std::string& name) const;
};

// Where a config value comes from (Kafka's DescribeConfigs ConfigSource).
enum class ConfigSource {
  kUnknown,
  kDynamicTopic,  // a topic override
  kDynamicBroker,
  kDynamicDefaultBroker,
  kStaticBroker,  // server.properties
  kDefault,
  kDynamicBrokerLogger,
};

struct ConfigEntry {
  std::string name;
  std::optional<std::string> value;  // absent for sensitive entries and null values
  ConfigSource source = ConfigSource::kUnknown;
  bool is_default = false;
  bool read_only = false;
  bool sensitive = false;
};

// A change to some of a resource's config keys; keys not named are left alone.
struct ConfigChanges {
  std::map<std::string, std::string> set;
  std::vector<std::string> remove;  // back to the default
  bool empty() const { return set.empty() && remove.empty(); }
};

struct NewTopic {
  std::string name;
  int32_t partitions = 1;
  int32_t replication_factor = -1;  // -1: the broker's default.replication.factor
  std::map<std::string, std::string> configs;
};

enum class GroupState {
  kUnknown,
  kPreparingRebalance,
  kCompletingRebalance,
  kStable,
  kDead,
  kEmpty
};
std::string_view GroupStateName(GroupState state);

struct GroupListing {
  std::string group_id;
  GroupState state = GroupState::kUnknown;
  bool simple = false;  // a group used only for offset commits, never joined
};

struct GroupMember {
  std::string member_id;
  std::string client_id;
  std::string host;
  std::vector<TopicPartition> assignment;
};

struct GroupDescription {
  std::string group_id;
  GroupState state = GroupState::kUnknown;
  std::vector<GroupMember> members;
  int32_t coordinator_id = -1;
  Status error;
};

struct Header {
  std::string name;
  std::optional<std::string> value;
  bool operator==(const Header&) const = default;
};

}  // namespace strait::kafka
