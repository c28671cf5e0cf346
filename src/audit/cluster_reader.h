// Reads a ClusterDescription from a live cluster through kafka::Admin: brokers and their
// racks (DescribeConfigs broker.rack), every partition's replicas, ISR and leader (Metadata),
// topic and cluster-default configs, the voters (controller.quorum.voters) and each consumer
// group's coordinator partition.
//
// What librdkafka (2.15.1) cannot read (controller DCs, ELR, the voters of a dynamic quorum) is
// left unknown and named in the description's notes; audit/operator_file.h fills it.
// A reader call blocks; it may be called from any thread (kafka::Admin is thread-safe).
#pragma once

#include <chrono>
#include <string>

#include "audit/cluster.h"
#include "base/status.h"
#include "kafka/admin.h"

namespace strait::audit {

struct ReadOptions {
  std::string source;  // how the cluster was named: "bootstrap 10.0.0.1:9092"
  // Per request. A broker that does not answer within it (down, frozen) is reported, and its
  // DC must then come from the operator file.
  std::chrono::milliseconds timeout{10000};
};

Result<ClusterDescription> ReadCluster(kafka::Admin& admin, const ReadOptions& options);

// Voter ids from controller.quorum.voters ("7@host:9093,8@host:9093"); empty for "".
Result<std::vector<BrokerId>> ParseQuorumVoters(const std::string& voters);

}  // namespace strait::audit
