// What the stretched-cluster audit knows about one Kafka cluster: its brokers and their
// datacenters, the controller quorum, every partition's replicas, ISR and leader, the configs
// that decide availability, and the consumer groups with their coordinator partitions.
//
// A ClusterDescription is a plain value with no Kafka dependency. The reader
// (audit/cluster_reader.h) fills it from a live cluster, audit/cluster_json.h saves and loads
// it, tests build it by hand. Every fact the cluster could not tell says where it came from
// (Origin), so that the report never presents a guess as a fact. Thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strait::audit {

using BrokerId = int32_t;
inline constexpr BrokerId kNoLeader = -1;

inline constexpr std::string_view kConsumerOffsetsTopic = "__consumer_offsets";
inline constexpr std::string_view kTransactionStateTopic = "__transaction_state";

// Where a fact came from.
enum class Origin {
  kCluster,       // read from the cluster
  kOperatorFile,  // supplied by the operator file (audit/operator_file.h)
  kUnknown,       // neither: the audit says so wherever the fact matters
};
std::string_view OriginName(Origin origin);

struct Broker {
  BrokerId id = 0;
  std::string dc;  // broker.rack; empty when unknown
  Origin dc_origin = Origin::kCluster;
  // Listed in metadata (registered and unfenced) when the cluster was read. A broker that is
  // only named in replica lists is down or fenced and counts as dead in every scenario.
  bool registered = true;
};

// A voter of the KRaft controller quorum. Controllers register no rack, so their DC comes from
// the operator file, or from broker.rack for a combined broker+controller node.
struct Controller {
  BrokerId id = 0;
  std::string dc;  // empty when unknown
  Origin dc_origin = Origin::kUnknown;
};

// Eligible Leader Replicas (KIP-966): on by default for clusters created by Kafka 4.1+.
// librdkafka (2.15.1) can read neither the feature level (DescribeFeatures) nor ELR membership
// (DescribeTopicPartitions), so both come from the operator file or stay unknown.
enum class ElrState { kUnknown, kEnabled, kDisabled };
std::string_view ElrStateName(ElrState state);

struct Partition {
  int32_t id = 0;
  std::vector<BrokerId> replicas;  // in assignment order: elections walk it in this order
  std::vector<BrokerId> isr;
  BrokerId leader = kNoLeader;
  std::optional<std::vector<BrokerId>> elr;  // known only from the operator file
};

struct Topic {
  std::string name;
  bool internal = false;
  int32_t min_isr = 1;  // min.insync.replicas as configured (may exceed RF)
  bool unclean_leader_election = false;
  std::vector<Partition> partitions;

  // The largest replication factor among the partitions.
  int32_t ReplicationFactor() const;
};

struct Group {
  std::string id;
  int32_t coordinator_partition = -1;  // partition of __consumer_offsets
  BrokerId reported_coordinator = -1;  // from DescribeConsumerGroups; -1 when not known
};

// Broker-level settings (cluster defaults) that decide what a DC loss does.
struct ClusterDefaults {
  int32_t min_isr = 1;
  bool unclean_leader_election = false;
  int32_t default_replication_factor = 1;
  int32_t offsets_topic_replication_factor = 3;
  int32_t offsets_topic_num_partitions = 50;
  int32_t transaction_state_log_replication_factor = 3;
  int32_t transaction_state_log_min_isr = 2;
  int64_t replica_lag_time_max_ms = 30000;
  int64_t broker_session_timeout_ms = 9000;
};

struct ClusterDescription {
  std::string source;   // what was read: "bootstrap 10.0.0.1:9092", "cluster dc1 of strait.yaml"
  std::string read_at;  // UTC, ISO 8601
  std::vector<Broker> brokers;
  std::vector<Controller> controllers;  // the voters
  Origin voters_origin = Origin::kUnknown;
  ElrState elr = ElrState::kUnknown;
  Origin elr_origin = Origin::kUnknown;
  ClusterDefaults defaults;
  std::vector<Topic> topics;
  std::vector<Group> groups;
  // Facts that came from the operator file or stay unknown, in words, for the report.
  std::vector<std::string> notes;

  // Adds a note unless it is already there (the operator file may be applied twice: once
  // before --save and again with --from).
  void AddNote(std::string note);
  const Broker* FindBroker(BrokerId id) const;
  const Topic* FindTopic(std::string_view name) const;
  // The DC of a broker, "" when unknown.
  std::string BrokerDc(BrokerId id) const;
  // Every DC that holds a broker or a controller, sorted.
  std::vector<std::string> Dcs() const;
  // Every DC that holds a broker, sorted.
  std::vector<std::string> BrokerDcs() const;
  // The brokers and the voters of a DC ("": those whose DC is unknown), in id order.
  std::vector<BrokerId> BrokersIn(std::string_view dc) const;
  std::vector<BrokerId> VotersIn(std::string_view dc) const;
  // Brokers that replica lists name but metadata does not list: down or fenced now.
  std::vector<BrokerId> UnregisteredBrokers() const;
};

// min(min.insync.replicas, RF): what brokers and controllers enforce since Kafka 3.7
// (verified on 4.1.1: RF 2 with min.insync.replicas=3 accepts acks=all writes).
int32_t EffectiveMinIsr(const Topic& topic, const Partition& partition);

// Topics whose names start with "__" are Kafka's own (offsets, transactions, share groups).
bool IsInternalTopicName(std::string_view name);

}  // namespace strait::audit
