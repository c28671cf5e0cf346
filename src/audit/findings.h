// What the audit flags in a cluster description, each with a severity and a concrete fix:
// unknown facts, quorum placement, rack settings, topics whose min.insync.replicas or
// placement breaks the stretched-cluster rules (audit/rules.h), and the current state.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "audit/cluster.h"

namespace strait::audit {

enum class Severity { kInfo, kMedium, kHigh, kCritical, kBlocker };
std::string_view SeverityName(Severity s);

struct Finding {
  Severity severity = Severity::kInfo;
  std::string code;     // stable identifier, e.g. "min-isr-below-dc-share"
  std::string subject;  // what it is about: "topic orders", "controller quorum", "broker 3"
  std::string message;  // what is wrong and what it does in a DC loss
  std::string fix;      // what to change, as commands or settings where possible
};

// Most severe first, then by subject.
std::vector<Finding> Findings(const ClusterDescription& cluster);

// Parts of Findings(), exposed for tests.
std::vector<Finding> QuorumFindings(const ClusterDescription& cluster);
std::vector<Finding> BrokerFindings(const ClusterDescription& cluster);
std::vector<Finding> TopicFindings(const ClusterDescription& cluster, const Topic& topic);
std::vector<Finding> StateFindings(const ClusterDescription& cluster, const Topic& topic);

}  // namespace strait::audit
