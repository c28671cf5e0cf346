// The what-if engine of the audit: for one scenario (nothing fails, a set of DCs is lost, or
// the link between two DCs is cut), what happens to the controller quorum, to every partition
// and to every consumer group. It implements the decision procedure of
// docs/stretched-clusters.md ("How the audit decides"), corrected where Kafka 4.1.1 disagreed
// with the reference it started from.
//
// Pure functions over a ClusterDescription; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/cluster.h"

namespace strait::audit {

// What a partition can do once a scenario has settled (fencing and elections done). Ordered
// from best to worst availability.
enum class PartitionClass {
  kWritable,             // acks=all writes succeed and are visible
  kAcks1Only,            // acks=all fails; acks=1 is acknowledged but not readable (strict min ISR)
  kUncleanElection,      // unclean.leader.election.enable=true elects an out-of-sync replica: loss
  kOfflineUntilUnclean,  // no leader until the DC returns or an operator forces an unclean election
  kOffline,              // no leader until the failed DC returns
};
std::string_view PartitionClassName(PartitionClass c);

// Records acknowledged with acks=all that a scenario can lose.
enum class AckedLoss {
  kNone,
  kIfForced,  // only if an operator forces an unclean election
  kPossible,  // if the ISR had already shrunk into the failed DCs, an automatic unclean election
  kCertain,   // the ISR is inside the failed DCs now and an unclean election will run
};
std::string_view AckedLossName(AckedLoss loss);

enum class QuorumState { kSurvives, kLost, kUnknown };
std::string_view QuorumStateName(QuorumState state);

enum class Verdict {
  kSurvives,             // every partition WRITABLE
  kDegraded,             // some partition ACKS1-ONLY, none offline
  kPartialOutage,        // some partition offline or elected uncleanly
  kControlPlaneDown,     // the controller quorum has no majority: metadata is frozen
  kControlPlaneUnknown,  // the outcome depends on controllers whose DC is unknown
};
std::string_view VerdictName(Verdict verdict);

inline constexpr std::string_view kUnknownPlacement = "?";

struct Scenario {
  enum class Kind { kBaseline, kLoseDcs, kCut };
  Kind kind = Kind::kBaseline;
  std::vector<std::string> lost_dcs;  // kLoseDcs
  std::string side_a, side_b;         // kCut: the two DCs that cannot reach each other
  // kCut: the DC of the active controller during the cut; empty when no side can hold a
  // majority of the voters (the control plane is down); kUnknownPlacement when some voter's
  // DC is unknown.
  std::string controller_dc;

  // "baseline", "lose dc1", "lose dc1+dc2", "cut dc1|dc2 (controller in dc3)".
  std::string Name() const;
};

Scenario LoseDcs(std::vector<std::string> dcs);

// The baseline, the loss of each DC, and each cut between two DCs for every placement of the
// active controller that could hold a majority of the voters.
std::vector<Scenario> StandardScenarios(const ClusterDescription& cluster);

struct QuorumOutcome {
  int voters = 0;
  int surviving = 0;  // voters the active controller can reach, DC known
  int unknown = 0;    // voters whose DC is unknown
  QuorumState state = QuorumState::kUnknown;
  int Majority() const { return voters / 2 + 1; }
};

struct PartitionOutcome {
  std::string topic;
  int32_t partition = 0;
  PartitionClass cls = PartitionClass::kWritable;
  // The class once the election is over: for kUncleanElection the class of the uncleanly
  // elected leader's ISR after the other survivors caught up; otherwise `cls`.
  PartitionClass settled = PartitionClass::kWritable;
  BrokerId leader = kNoLeader;  // predicted leader
  AckedLoss acked_loss = AckedLoss::kNone;
  // The failed DCs hold at least min ISR replicas: the ISR may legally have shrunk into them.
  bool static_risk = false;
  bool hwm_frozen = false;    // quorum lost: the ISR cannot shrink, the high watermark stops
  bool acks1_window = false;  // the leader failed: acks=1 records not yet fetched are lost
  bool zombie_acks1 = false;  // cut: a fenced ex-leader keeps acknowledging acks=1 writes
  // ELR membership unknown and it could hold a surviving replica: the class if it does.
  std::optional<PartitionClass> if_elr;
  std::string reason;
};

struct GroupOutcome {
  std::string group;
  int32_t partition = -1;  // of __consumer_offsets
  PartitionClass cls = PartitionClass::kWritable;
  bool can_commit = true;
};

struct ScenarioResult {
  Scenario scenario;
  QuorumOutcome quorum;
  std::vector<PartitionOutcome> partitions;
  std::vector<GroupOutcome> groups;
  Verdict verdict = Verdict::kSurvives;
  bool data_loss_risk = false;  // some partition has AckedLoss other than kNone
  std::vector<std::string> notes;

  int Count(PartitionClass c) const;
  const PartitionOutcome* Find(std::string_view topic, int32_t partition) const;
};

ScenarioResult Evaluate(const ClusterDescription& cluster, const Scenario& scenario);

}  // namespace strait::audit
