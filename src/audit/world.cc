#include "audit/world.h"

#include <algorithm>

namespace strait::audit::internal {
namespace {

bool In(const std::vector<std::string>& dcs, const std::string& dc) {
  return std::find(dcs.begin(), dcs.end(), dc) != dcs.end();
}

// Counts the voters the active controller can reach. `unreachable_dcs` are failed or cut off;
// a voter whose DC is unknown may be anywhere, so it only counts as unknown.
QuorumOutcome Quorum(const ClusterDescription& c, const std::vector<std::string>& unreachable_dcs,
                     bool unknown_counts_as_alive) {
  QuorumOutcome q;
  q.voters = static_cast<int>(c.controllers.size());
  for (const Controller& v : c.controllers) {
    if (v.dc.empty()) {
      ++(unknown_counts_as_alive ? q.surviving : q.unknown);
    } else if (!In(unreachable_dcs, v.dc)) {
      ++q.surviving;
    }
  }
  const bool known = q.voters > 0;
  if (known && q.surviving >= q.Majority()) {
    q.state = QuorumState::kSurvives;
  } else if (known && q.surviving + q.unknown < q.Majority()) {
    q.state = QuorumState::kLost;
  } else {
    q.state = QuorumState::kUnknown;  // no voter is known, or the unknown ones decide
  }
  return q;
}

// Brokers of `dcs` become dead (and failed: this scenario killed them).
void Fail(const ClusterDescription& c, const std::vector<std::string>& dcs, World* w) {
  for (const Broker& b : c.brokers) {
    if (b.dc.empty() || !In(dcs, b.dc)) continue;
    w->dead.insert(b.id);
    if (b.registered) w->failed.insert(b.id);
  }
}

void BuildCut(const ClusterDescription& c, const Scenario& s, World* w) {
  for (const Broker& b : c.brokers) {
    if (b.dc == s.side_a) w->side_a.insert(b.id);
    if (b.dc == s.side_b) w->side_b.insert(b.id);
  }
  if (s.controller_dc == kUnknownPlacement) {
    w->quorum = Quorum(c, {}, false);
    w->quorum.state = QuorumState::kUnknown;
    w->cut_active = true;
    return;
  }
  if (s.controller_dc.empty()) {  // neither side can reach a majority of the voters
    w->quorum = Quorum(c, {s.side_a, s.side_b}, false);
    w->cut_active = true;
    return;
  }
  const std::string* far = s.controller_dc == s.side_a   ? &s.side_b
                           : s.controller_dc == s.side_b ? &s.side_a
                                                         : nullptr;
  if (far == nullptr) {  // the controller reaches both sides: nobody is fenced
    w->quorum = Quorum(c, {}, false);
    w->cut_active = true;
    return;
  }
  // Brokers that cannot heartbeat to the controller are fenced, but keep running.
  Fail(c, {*far}, w);
  for (const Broker& b : c.brokers) {
    if (b.dc == *far && b.registered) w->zombies.insert(b.id);
  }
  w->quorum = Quorum(c, {*far}, false);
}

}  // namespace

bool World::Reaches(BrokerId a, BrokerId b) const {
  if (!Alive(b)) return false;
  if (!cut_active) return true;
  return !((side_a.count(a) && side_b.count(b)) || (side_b.count(a) && side_a.count(b)));
}

World BuildWorld(const ClusterDescription& c, const Scenario& s) {
  World w;
  w.elr = c.elr;
  for (const Broker& b : c.brokers) {
    if (!b.registered) w.dead.insert(b.id);
  }
  switch (s.kind) {
    case Scenario::Kind::kBaseline:
      // librdkafka cannot see whether controllers are up (no DescribeQuorum): the
      // baseline assumes they are.
      w.quorum = Quorum(c, {}, true);
      break;
    case Scenario::Kind::kLoseDcs:
      Fail(c, s.lost_dcs, &w);
      w.quorum = Quorum(c, s.lost_dcs, false);
      break;
    case Scenario::Kind::kCut:
      BuildCut(c, s, &w);
      break;
  }
  return w;
}

}  // namespace strait::audit::internal
