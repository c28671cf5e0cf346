#include "audit/scenario.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>

#include "audit/world.h"

namespace strait::audit {

std::string_view PartitionClassName(PartitionClass c) {
  switch (c) {
    case PartitionClass::kWritable:
      return "WRITABLE";
    case PartitionClass::kAcks1Only:
      return "ACKS1-ONLY";
    case PartitionClass::kUncleanElection:
      return "UNCLEAN-ELECTION";
    case PartitionClass::kOfflineUntilUnclean:
      return "OFFLINE-UNTIL-UNCLEAN-ELECTION";
    case PartitionClass::kOffline:
      return "OFFLINE";
  }
  return "?";
}

std::string_view AckedLossName(AckedLoss loss) {
  switch (loss) {
    case AckedLoss::kNone:
      return "none";
    case AckedLoss::kIfForced:
      return "if-forced";
    case AckedLoss::kPossible:
      return "possible";
    case AckedLoss::kCertain:
      return "certain";
  }
  return "?";
}

std::string_view QuorumStateName(QuorumState state) {
  switch (state) {
    case QuorumState::kSurvives:
      return "survives";
    case QuorumState::kLost:
      return "lost";
    case QuorumState::kUnknown:
      return "unknown";
  }
  return "?";
}

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kSurvives:
      return "SURVIVES";
    case Verdict::kDegraded:
      return "DEGRADED";
    case Verdict::kPartialOutage:
      return "PARTIAL-OUTAGE";
    case Verdict::kControlPlaneDown:
      return "CONTROL-PLANE-DOWN";
    case Verdict::kControlPlaneUnknown:
      return "CONTROL-PLANE-UNKNOWN";
  }
  return "?";
}

std::string Scenario::Name() const {
  switch (kind) {
    case Kind::kBaseline:
      return "baseline";
    case Kind::kLoseDcs:
      return fmt::format("lose {}", fmt::join(lost_dcs, "+"));
    case Kind::kCut:
      return fmt::format("cut {}|{} ({})", side_a, side_b,
                         controller_dc.empty()                ? "no controller majority"
                         : controller_dc == kUnknownPlacement ? "controller DCs unknown"
                                                              : "controller in " + controller_dc);
  }
  return "?";
}

Scenario LoseDcs(std::vector<std::string> dcs) {
  Scenario s;
  s.kind = Scenario::Kind::kLoseDcs;
  s.lost_dcs = std::move(dcs);
  return s;
}

namespace {

// The DCs where the active controller could sit during a cut between a and b: they hold a
// voter, and the voters they can still reach could form a majority.
std::vector<std::string> ControllerPlacements(const ClusterDescription& c, const std::string& a,
                                              const std::string& b) {
  std::set<std::string> voter_dcs;
  for (const Controller& v : c.controllers) {
    if (!v.dc.empty()) voter_dcs.insert(v.dc);
  }
  std::vector<std::string> out;
  int majority = static_cast<int>(c.controllers.size()) / 2 + 1;
  for (const std::string& dc : voter_dcs) {
    const std::string* far = dc == a ? &b : dc == b ? &a : nullptr;
    int reachable = static_cast<int>(
        std::count_if(c.controllers.begin(), c.controllers.end(),
                      [&](const Controller& v) { return far == nullptr || v.dc != *far; }));
    if (reachable >= majority) out.push_back(dc);
  }
  return out;
}

Verdict VerdictOf(const ScenarioResult& r) {
  if (r.quorum.state == QuorumState::kLost) return Verdict::kControlPlaneDown;
  if (r.quorum.state == QuorumState::kUnknown) return Verdict::kControlPlaneUnknown;
  Verdict v = Verdict::kSurvives;
  for (const PartitionOutcome& p : r.partitions) {
    if (p.cls >= PartitionClass::kUncleanElection) return Verdict::kPartialOutage;
    if (p.cls == PartitionClass::kAcks1Only) v = Verdict::kDegraded;
  }
  return v;
}

void EvaluateGroups(const ClusterDescription& c, ScenarioResult* r) {
  std::map<int32_t, const PartitionOutcome*> offsets;
  for (const PartitionOutcome& p : r->partitions) {
    if (p.topic == kConsumerOffsetsTopic) offsets[p.partition] = &p;
  }
  for (const Group& g : c.groups) {
    GroupOutcome o;
    o.group = g.id;
    o.partition = g.coordinator_partition;
    auto it = offsets.find(g.coordinator_partition);
    const PartitionOutcome* p = it == offsets.end() ? nullptr : it->second;
    if (p == nullptr) {
      // Without the partition the coordinator cannot load the group at all.
      o.cls = PartitionClass::kOffline;
    } else {
      o.cls = p->cls == PartitionClass::kUncleanElection ? p->settled : p->cls;
    }
    o.can_commit = o.cls == PartitionClass::kWritable;
    r->groups.push_back(std::move(o));
  }
}

void AddNotes(const internal::World& w, ScenarioResult* r) {
  if (!w.zombies.empty()) {
    r->notes.push_back(fmt::format(
        "brokers {} are fenced but keep running: their clients' acks=1 writes are acknowledged "
        "and later truncated",
        fmt::join(w.zombies, ",")));
  }
  if (w.cut_active && !r->scenario.controller_dc.empty()) {
    r->notes.push_back(
        "nobody is fenced: each leader shrinks its ISR to the replicas it can "
        "reach, and clients on the far side cannot reach it");
  }
  if (r->quorum.state == QuorumState::kLost) {
    r->notes.push_back(
        "no controller majority: no fencing, elections or ISR changes until "
        "the voters return");
  }
}

}  // namespace

std::vector<Scenario> StandardScenarios(const ClusterDescription& cluster) {
  std::vector<Scenario> out{Scenario{}};
  std::vector<std::string> dcs = cluster.Dcs();
  for (const std::string& dc : dcs) out.push_back(LoseDcs({dc}));
  for (size_t i = 0; i < dcs.size(); ++i) {
    for (size_t j = i + 1; j < dcs.size(); ++j) {
      Scenario s;
      s.kind = Scenario::Kind::kCut;
      s.side_a = dcs[i];
      s.side_b = dcs[j];
      std::vector<std::string> placements = ControllerPlacements(cluster, dcs[i], dcs[j]);
      bool unknown = std::any_of(cluster.controllers.begin(), cluster.controllers.end(),
                                 [](const Controller& v) { return v.dc.empty(); });
      if (cluster.controllers.empty() || unknown) {
        placements = {std::string(kUnknownPlacement)};
      } else if (placements.empty()) {
        placements.push_back("");
      }
      for (const std::string& dc : placements) {
        s.controller_dc = dc;
        out.push_back(s);
      }
    }
  }
  return out;
}

int ScenarioResult::Count(PartitionClass c) const {
  return static_cast<int>(std::count_if(partitions.begin(), partitions.end(),
                                        [c](const PartitionOutcome& p) { return p.cls == c; }));
}

const PartitionOutcome* ScenarioResult::Find(std::string_view topic, int32_t partition) const {
  for (const PartitionOutcome& p : partitions) {
    if (p.topic == topic && p.partition == partition) return &p;
  }
  return nullptr;
}

ScenarioResult Evaluate(const ClusterDescription& cluster, const Scenario& scenario) {
  ScenarioResult r;
  r.scenario = scenario;
  internal::World w = internal::BuildWorld(cluster, scenario);
  r.quorum = w.quorum;
  for (const Topic& t : cluster.topics) {
    for (const Partition& p : t.partitions) r.partitions.push_back(internal::Classify(t, p, w));
  }
  EvaluateGroups(cluster, &r);
  r.verdict = VerdictOf(r);
  r.data_loss_risk = std::any_of(r.partitions.begin(), r.partitions.end(),
                                 [](const auto& p) { return p.acked_loss != AckedLoss::kNone; });
  AddNotes(w, &r);
  return r;
}

}  // namespace strait::audit
