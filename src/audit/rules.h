// The rules for choosing RF and min.insync.replicas in a stretched cluster, applied to one
// topic's actual placement. Shared by the findings, the reassignment planner and the layout
// planner. Pure functions; thread-safe.
//
// With r_max the most replicas any one DC holds:
//   still writable (acks=all) after losing that DC:   min ISR <= RF - r_max
//   no acks=all data lost with unclean election off:  min ISR >= r_max + 1
// Both hold iff RF >= 2 * r_max + 1, which an even spread reaches only with three or more
// DCs. Two DCs must choose: consistency first (min ISR = r_max + 1) or availability first
// (min ISR <= RF - r_max).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "audit/cluster.h"

namespace strait::audit {

// How one partition's replicas spread over DCs.
struct Spread {
  std::map<std::string, int> per_dc;  // replicas per known DC
  int unknown = 0;                    // replicas on brokers whose DC is unknown
  int Max() const;                    // r_max
  std::string Largest() const;        // the DC holding r_max (first by name on a tie)
};
Spread SpreadOf(const ClusterDescription& cluster, const Partition& partition);

// r_max of an even spread of `rf` replicas over `dcs` DCs: ceil(rf / dcs).
int EvenMax(int rf, int dcs);

enum class TopicMode {
  kSurvivesDcLoss,     // three or more DCs and RF >= 2 r_max + 1: the recommended min ISR works
  kConsistencyFirst,   // min ISR > r_max: no acked loss, but a DC loss blocks acks=all
  kAvailabilityFirst,  // min ISR <= RF - r_max with unclean election on: writes go on, may lose
  kAtRisk,  // min ISR <= r_max with unclean election off: the ISR can collapse into one DC
};

struct TopicAdvice {
  int dcs = 0;  // DCs with brokers
  int rf = 0;
  int r_max = 0;    // worst partition
  int min_isr = 0;  // as configured
  TopicMode mode = TopicMode::kAtRisk;
  int recommended_min_isr = 0;   // for the current placement (consistency first with two DCs)
  int availability_min_isr = 0;  // two DCs: the availability-first choice, RF - r_max (>= 1)
  // The RF and per-partition r_max an even spread needs so that both rules hold (three or
  // more DCs), or an even spread of the current RF (two DCs); equal to rf/r_max when fine.
  int target_rf = 0;
  int target_r_max = 0;
  bool needs_reassignment = false;  // some partition is spread worse than target_r_max
};

TopicAdvice AdviseTopic(const ClusterDescription& cluster, const Topic& topic);

// The smallest RF >= rf (up to the brokers available) whose even spread over the DCs
// satisfies RF >= 2 * r_max + 1; 0 when no RF fits the brokers.
int SurvivingRf(int rf, const std::vector<int>& brokers_per_dc);

}  // namespace strait::audit
