// Cluster-wide findings (quorum, brokers, defaults) and the ordering of all findings. Topic
// findings live in topic_findings.cc.
#include "audit/findings.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>

#include "audit/rules.h"

namespace strait::audit {
namespace {

constexpr std::string_view kQuorumFix =
    "place the voters so that no DC holds a majority: 1/1/1 over three sites, or 2/2/1 over "
    "three sites for 5 voters; with two DCs add a controller-only tie-breaker in a third site "
    "(the 2.5-DC layout). A dynamic quorum (KIP-853) moves voters with kafka-metadata-quorum "
    "add-controller / remove-controller; a static one needs controller.quorum.voters changed on "
    "every node";

std::map<std::string, int> VotersPerDc(const ClusterDescription& c) {
  std::map<std::string, int> out;
  for (const Controller& v : c.controllers) {
    if (!v.dc.empty()) ++out[v.dc];
  }
  return out;
}

void UnknownVoterFindings(const ClusterDescription& c, std::vector<Finding>* out) {
  if (c.controllers.empty()) {
    out->push_back({Severity::kBlocker, "voters-unknown", "controller quorum",
                    "the voters of the controller quorum are unknown (a dynamic quorum is not in "
                    "controller.quorum.voters, and librdkafka has no DescribeQuorum): no "
                    "scenario can say whether the control plane survives",
                    "list the voters and their DCs under \"controllers:\" in the operator file "
                    "(kafka-metadata-quorum describe --status shows the voters)"});
  }
  for (const Controller& v : c.controllers) {
    if (!v.dc.empty()) continue;
    out->push_back(
        {Severity::kBlocker, "controller-dc-unknown", fmt::format("controller {}", v.id),
         fmt::format("the DC of controller {} is unknown: controllers register no "
                     "rack, so the audit cannot tell which DC loss takes it down",
                     v.id),
         fmt::format("add \"{}: <dc>\" under \"controllers:\" in the operator file", v.id)});
  }
}

void AddElrFinding(const ClusterDescription& c, std::vector<Finding>* out) {
  if (c.elr == ElrState::kDisabled) {
    out->push_back({Severity::kMedium, "elr-disabled", "cluster",
                    "Eligible Leader Replicas (KIP-966) are off: after a DC power loss the last "
                    "replica standing can be elected and truncate the others",
                    "on Kafka 4.0+: kafka-features --bootstrap-server <host:port> upgrade "
                    "--feature eligible.leader.replicas.version=1"});
  } else if (c.elr == ElrState::kUnknown) {
    out->push_back({Severity::kInfo, "elr-unknown", "cluster",
                    "whether Eligible Leader Replicas are enabled is unknown (librdkafka "
                    "cannot read features); partitions whose ISR is below min ISR now may "
                    "elect a leader from the ELR, the report marks them",
                    "set \"eligible_leader_replicas: true|false\" in the operator file "
                    "(kafka-features describe: eligible.leader.replicas.version)"});
  }
}

void AddLeaderConcentration(const ClusterDescription& c, std::vector<Finding>* out) {
  std::map<std::string, int> leaders;
  int total = 0;
  for (const Topic& t : c.topics) {
    for (const Partition& p : t.partitions) {
      std::string dc = c.BrokerDc(p.leader);
      if (dc.empty()) continue;
      ++leaders[dc];
      ++total;
    }
  }
  if (leaders.size() < 2 || c.BrokerDcs().size() < 2 || total < 4) return;
  for (const auto& [dc, n] : leaders) {
    if (3 * n <= 2 * total) continue;
    out->push_back({Severity::kInfo, "leaders-concentrated", fmt::format("DC {}", dc),
                    fmt::format("{} of {} partition leaders are in {}: losing it moves most "
                                "leaders at once",
                                n, total, dc),
                    "run a preferred leader election (kafka-leader-election --election-type "
                    "preferred --all-topic-partitions) after placing preferred replicas evenly"});
  }
}

void AddCoordinatorMismatch(const ClusterDescription& c, std::vector<Finding>* out) {
  const Topic* offsets = c.FindTopic(kConsumerOffsetsTopic);
  if (offsets == nullptr) return;
  for (const Group& g : c.groups) {
    if (g.reported_coordinator < 0) continue;
    for (const Partition& p : offsets->partitions) {
      if (p.id != g.coordinator_partition || p.leader == g.reported_coordinator) continue;
      out->push_back({Severity::kInfo, "coordinator-mismatch", fmt::format("group {}", g.id),
                      fmt::format("the group's coordinator is broker {}, but {} partition {} is "
                                  "led by {}: leadership moved while reading, or "
                                  "offsets.topic.num.partitions differs from the topic",
                                  g.reported_coordinator, kConsumerOffsetsTopic, p.id, p.leader),
                      "run the audit again; if it persists, compare offsets.topic.num.partitions "
                      "with the partition count of __consumer_offsets"});
    }
  }
}

}  // namespace

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kInfo:
      return "INFO";
    case Severity::kMedium:
      return "MEDIUM";
    case Severity::kHigh:
      return "HIGH";
    case Severity::kCritical:
      return "CRITICAL";
    case Severity::kBlocker:
      return "BLOCKER";
  }
  return "?";
}

std::vector<Finding> QuorumFindings(const ClusterDescription& c) {
  std::vector<Finding> out;
  UnknownVoterFindings(c, &out);
  int voters = static_cast<int>(c.controllers.size());
  std::map<std::string, int> per_dc = VotersPerDc(c);
  if (voters == 1) {
    out.push_back({Severity::kCritical, "single-voter", "controller quorum",
                   "the quorum has one voter: losing its DC freezes all metadata",
                   std::string(kQuorumFix)});
  } else if (voters > 1 && per_dc.size() == 1 && c.Dcs().size() > 1) {
    out.push_back({Severity::kCritical, "voters-in-one-dc", "controller quorum",
                   fmt::format("all {} voters are in {}: losing it freezes all metadata", voters,
                               per_dc.begin()->first),
                   std::string(kQuorumFix)});
  } else {
    for (const auto& [dc, n] : per_dc) {
      if (n < voters / 2 + 1) continue;
      out.push_back({Severity::kHigh, "dc-holds-voter-majority", fmt::format("DC {}", dc),
                     fmt::format("{} holds {} of {} voters: losing it loses the quorum, and "
                                 "metadata freezes (no fencing, no elections, no ISR changes)",
                                 dc, n, voters),
                     std::string(kQuorumFix)});
    }
  }
  if (voters > 0 && voters % 2 == 0) {
    out.push_back({Severity::kMedium, "even-voters", "controller quorum",
                   fmt::format("{} voters tolerate no more failures than {}", voters, voters - 1),
                   "use an odd number of voters (3 or 5)"});
  }
  AddElrFinding(c, &out);
  return out;
}

std::vector<Finding> BrokerFindings(const ClusterDescription& c) {
  std::vector<Finding> out;
  std::map<std::string, int> per_dc;
  for (const Broker& b : c.brokers) {
    if (!b.dc.empty()) {
      ++per_dc[b.dc];
      continue;
    }
    out.push_back({Severity::kHigh, "broker-rack-missing", fmt::format("broker {}", b.id),
                   fmt::format("broker {} has no broker.rack (and the operator file names no "
                               "DC for it): replicas are not spread by DC, and the audit "
                               "assumes it survives every DC loss",
                               b.id),
                   "set broker.rack=<dc> on the broker and restart it"});
  }
  if (per_dc.size() < 2) {
    out.push_back({Severity::kHigh, "single-dc", "cluster",
                   fmt::format("brokers are in {} DC(s): the cluster cannot survive a DC loss",
                               per_dc.size()),
                   "set broker.rack to the DC of each broker; spread brokers over three DCs"});
  }
  std::set<int> sizes;
  for (const auto& [dc, n] : per_dc) sizes.insert(n);
  if (sizes.size() > 1) {
    std::vector<std::string> parts;
    for (const auto& [dc, n] : per_dc) parts.push_back(fmt::format("{}: {}", dc, n));
    out.push_back({Severity::kMedium, "unequal-dcs", "cluster",
                   fmt::format("DCs hold different broker counts ({}): rack-aware placement "
                               "stays even only while every DC has at least ceil(RF/DCs) brokers",
                               fmt::join(parts, ", ")),
                   "give every DC the same number of brokers"});
  }
  AddLeaderConcentration(c, &out);
  AddCoordinatorMismatch(c, &out);
  return out;
}

std::vector<Finding> Findings(const ClusterDescription& c) {
  std::vector<Finding> out = QuorumFindings(c);
  for (Finding& f : BrokerFindings(c)) out.push_back(std::move(f));
  for (const Topic& t : c.topics) {
    for (Finding& f : TopicFindings(c, t)) out.push_back(std::move(f));
    for (Finding& f : StateFindings(c, t)) out.push_back(std::move(f));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Finding& a, const Finding& b) { return a.severity > b.severity; });
  return out;
}

}  // namespace strait::audit
