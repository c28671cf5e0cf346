// The operator file: the facts a stretched-cluster audit needs that librdkafka (2.15.1)
// cannot read from the cluster (no DescribeQuorum, DescribeFeatures or DescribeTopicPartitions).
//
//   controllers:                    # voter id -> DC; controllers register no rack
//     7: dc1
//     8: dc2
//     9: dc3
//   eligible_leader_replicas: true  # kafka-features describe: eligible.leader.replicas.version
//   brokers:                        # optional: DCs of brokers that are down or do not answer
//     4: dc2
//   elr:                            # optional: the Elr column of kafka-topics --describe
//     orders: {0: [1, 2]}
//
// Every value that the audit takes from this file is marked as such in the report.
// Thread-compatible value types; parsing is a pure function.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "audit/cluster.h"
#include "base/status.h"

namespace strait::audit {

struct OperatorFile {
  std::string path;
  std::map<BrokerId, std::string> controllers;
  std::map<BrokerId, std::string> brokers;
  std::optional<bool> eligible_leader_replicas;
  std::map<std::string, std::map<int32_t, std::vector<BrokerId>>> elr;
};

// Errors name the file, line, column and key.
Result<OperatorFile> ParseOperatorFile(const std::string& text, const std::string& path);
Result<OperatorFile> LoadOperatorFile(const std::string& path);

// Fills what the cluster could not tell, never overriding what it did; disagreements and
// entries that match nothing become notes in the description.
void ApplyOperatorFile(const OperatorFile& file, ClusterDescription* cluster);

}  // namespace strait::audit
