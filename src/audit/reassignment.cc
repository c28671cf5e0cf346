#include "audit/reassignment.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "audit/rules.h"

namespace strait::audit {
namespace {

using DcBrokers = std::map<std::string, std::vector<BrokerId>>;

DcBrokers RegisteredBrokersByDc(const ClusterDescription& c) {
  DcBrokers out;
  for (const Broker& b : c.brokers) {
    if (!b.dc.empty() && b.registered) out[b.dc].push_back(b.id);
  }
  return out;
}

// How many replicas each DC should hold: as even as possible, bigger DCs first on a tie,
// never more than a DC has brokers.
std::map<std::string, int> Shares(int rf, const DcBrokers& dcs) {
  std::vector<std::string> order;
  for (const auto& [dc, ids] : dcs) order.push_back(dc);
  std::stable_sort(order.begin(), order.end(), [&](const std::string& a, const std::string& b) {
    return dcs.at(a).size() > dcs.at(b).size();
  });
  std::map<std::string, int> share;
  for (int placed = 0; placed < rf;) {
    bool progress = false;
    int level = rf;  // the lowest share among DCs with room
    for (const std::string& dc : order) {
      if (share[dc] < static_cast<int>(dcs.at(dc).size())) level = std::min(level, share[dc]);
    }
    for (const std::string& dc : order) {
      if (placed < rf && share[dc] == level && share[dc] < static_cast<int>(dcs.at(dc).size())) {
        ++share[dc];
        ++placed;
        progress = true;
      }
    }
    if (!progress) break;
  }
  return share;
}

class Planner {
 public:
  explicit Planner(const ClusterDescription& c) : c_(c), dcs_(RegisteredBrokersByDc(c)) {
    for (const Topic& t : c.topics) {
      for (const Partition& p : t.partitions) {
        for (BrokerId r : p.replicas) ++load_[r];
      }
    }
  }

  std::vector<BrokerId> Place(const Partition& p, int rf) {
    std::map<std::string, int> share = Shares(rf, dcs_);
    std::map<std::string, std::vector<BrokerId>> kept;
    // The current leader first, so that it keeps its place when its DC has room.
    std::vector<BrokerId> candidates = p.replicas;
    auto leader = std::find(candidates.begin(), candidates.end(), p.leader);
    if (leader != candidates.end()) std::rotate(candidates.begin(), leader, leader + 1);
    for (BrokerId r : candidates) {
      const Broker* b = c_.FindBroker(r);
      if (b == nullptr || !b->registered || b->dc.empty()) continue;
      if (static_cast<int>(kept[b->dc].size()) < share[b->dc]) kept[b->dc].push_back(r);
    }
    std::vector<BrokerId> all_kept;
    for (const auto& [dc, ids] : kept) all_kept.insert(all_kept.end(), ids.begin(), ids.end());
    Release(p, all_kept);
    for (const auto& [dc, n] : share) Fill(dc, n, &kept[dc]);
    return Interleave(kept, p.leader);
  }

 private:
  // Dropped replicas stop counting towards their broker's load.
  void Release(const Partition& p, const std::vector<BrokerId>& kept) {
    for (BrokerId r : p.replicas) {
      if (std::find(kept.begin(), kept.end(), r) == kept.end()) {
        const Broker* b = c_.FindBroker(r);
        if (b != nullptr && !b->dc.empty()) --load_[r];
      }
    }
  }

  void Fill(const std::string& dc, int n, std::vector<BrokerId>* ids) {
    while (static_cast<int>(ids->size()) < n) {
      BrokerId best = kNoLeader;
      for (BrokerId b : dcs_.at(dc)) {
        if (std::find(ids->begin(), ids->end(), b) != ids->end()) continue;
        if (best == kNoLeader || load_[b] < load_[best]) best = b;
      }
      if (best == kNoLeader) return;
      ids->push_back(best);
      ++load_[best];
    }
  }

  // DCs alternate: the leader's DC first, then one replica of each DC in turn.
  static std::vector<BrokerId> Interleave(std::map<std::string, std::vector<BrokerId>> kept,
                                          BrokerId leader) {
    std::vector<std::string> order;
    for (const auto& [dc, ids] : kept) {
      bool leads = !ids.empty() && ids.front() == leader;
      order.insert(leads ? order.begin() : order.end(), dc);
    }
    std::vector<BrokerId> out;
    for (size_t round = 0;; ++round) {
      size_t before = out.size();
      for (const std::string& dc : order) {
        if (round < kept[dc].size()) out.push_back(kept[dc][round]);
      }
      if (out.size() == before) return out;
    }
  }

  const ClusterDescription& c_;
  DcBrokers dcs_;
  std::map<BrokerId, int> load_;
};

}  // namespace

ReassignmentPlan PlanReassignment(const ClusterDescription& c) {
  ReassignmentPlan plan;
  Planner planner(c);
  for (const Topic& t : c.topics) {
    TopicAdvice a = AdviseTopic(c, t);
    if (!a.needs_reassignment) continue;
    for (const Partition& p : t.partitions) {
      bool too_small = static_cast<int>(p.replicas.size()) < a.target_rf;
      if (!too_small && SpreadOf(c, p).Max() <= a.target_r_max) continue;
      std::vector<BrokerId> to = planner.Place(p, a.target_rf);
      if (to != p.replicas) plan.moves.push_back({t.name, p.id, p.replicas, std::move(to)});
    }
  }
  return plan;
}

std::string ReassignmentJson(const ReassignmentPlan& plan) {
  nlohmann::json partitions = nlohmann::json::array();
  for (const PartitionMove& m : plan.moves) {
    partitions.push_back({{"topic", m.topic}, {"partition", m.partition}, {"replicas", m.to}});
  }
  return nlohmann::json{{"version", 1}, {"partitions", partitions}}.dump(2);
}

}  // namespace strait::audit
