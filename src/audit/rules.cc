#include "audit/rules.h"

#include <algorithm>

namespace strait::audit {
namespace {

std::vector<int> BrokersPerDc(const ClusterDescription& c) {
  std::map<std::string, int> count;
  for (const Broker& b : c.brokers) {
    if (!b.dc.empty()) ++count[b.dc];
  }
  std::vector<int> out;
  for (const auto& [dc, n] : count) out.push_back(n);
  return out;
}

// r_max of the most even spread of `rf` replicas when DC d can hold at most capacity[d].
int CappedEvenMax(int rf, std::vector<int> capacity) {
  std::vector<int> placed(capacity.size(), 0);
  for (int r = 0; r < rf; ++r) {
    int best = -1;
    for (size_t d = 0; d < capacity.size(); ++d) {
      if (placed[d] >= capacity[d]) continue;
      if (best < 0 || placed[d] < placed[best]) best = static_cast<int>(d);
    }
    if (best < 0) return -1;  // more replicas than brokers
    ++placed[best];
  }
  return placed.empty() ? 0 : *std::max_element(placed.begin(), placed.end());
}

TopicMode ModeOf(const TopicAdvice& a, bool unclean) {
  if (a.dcs >= 3 && a.min_isr > a.r_max && a.min_isr <= a.rf - a.r_max) {
    return TopicMode::kSurvivesDcLoss;
  }
  if (a.min_isr > a.r_max) return TopicMode::kConsistencyFirst;
  if (unclean && a.min_isr <= a.rf - a.r_max) return TopicMode::kAvailabilityFirst;
  return TopicMode::kAtRisk;
}

}  // namespace

int Spread::Max() const {
  int m = 0;
  for (const auto& [dc, n] : per_dc) m = std::max(m, n);
  return m;
}

std::string Spread::Largest() const {
  std::string best;
  int m = -1;
  for (const auto& [dc, n] : per_dc) {
    if (n > m) {
      m = n;
      best = dc;
    }
  }
  return best;
}

Spread SpreadOf(const ClusterDescription& c, const Partition& p) {
  Spread s;
  for (BrokerId r : p.replicas) {
    std::string dc = c.BrokerDc(r);
    if (dc.empty()) {
      ++s.unknown;
    } else {
      ++s.per_dc[dc];
    }
  }
  return s;
}

int EvenMax(int rf, int dcs) { return dcs <= 0 ? rf : (rf + dcs - 1) / dcs; }

int SurvivingRf(int rf, const std::vector<int>& brokers_per_dc) {
  int total = 0;
  for (int n : brokers_per_dc) total += n;
  for (int candidate = std::max(rf, 1); candidate <= total; ++candidate) {
    int r_max = CappedEvenMax(candidate, brokers_per_dc);
    if (r_max > 0 && candidate >= 2 * r_max + 1) return candidate;
  }
  return 0;
}

TopicAdvice AdviseTopic(const ClusterDescription& c, const Topic& t) {
  TopicAdvice a;
  std::vector<int> capacity = BrokersPerDc(c);
  a.dcs = static_cast<int>(capacity.size());
  a.rf = t.ReplicationFactor();
  a.min_isr = t.min_isr;
  for (const Partition& p : t.partitions) a.r_max = std::max(a.r_max, SpreadOf(c, p).Max());
  a.mode = ModeOf(a, t.unclean_leader_election);
  a.recommended_min_isr = std::min(a.r_max + 1, std::max(a.rf, 1));
  a.availability_min_isr = std::max(1, a.rf - a.r_max);
  a.target_rf = a.rf;
  if (a.dcs >= 3 && a.rf < 2 * a.r_max + 1) {
    int surviving = SurvivingRf(a.rf, capacity);
    if (surviving > 0) a.target_rf = surviving;
  }
  int even = CappedEvenMax(a.target_rf, capacity);
  a.target_r_max = even > 0 ? even : a.r_max;
  a.needs_reassignment = a.dcs >= 2 && (a.target_rf != a.rf || a.r_max > a.target_r_max);
  if (a.needs_reassignment) a.recommended_min_isr = a.target_r_max + 1;
  return a;
}

}  // namespace strait::audit
