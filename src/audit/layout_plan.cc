#include "audit/layout_plan.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace strait::audit {
namespace {

// Voters spread as evenly as possible over `sites`, the first sites taking the remainder.
std::vector<int> Spread(int voters, int sites) {
  std::vector<int> out(sites, voters / sites);
  for (int i = 0; i < voters % sites; ++i) ++out[i];
  return out;
}

// Whether losing the `k` sites with the most voters leaves a majority.
bool SurvivesLoss(const std::vector<int>& per_site, int k) {
  std::vector<int> sorted = per_site;
  std::sort(sorted.rbegin(), sorted.rend());
  int voters = 0, lost = 0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    voters += sorted[i];
    if (static_cast<int>(i) < k) lost += sorted[i];
  }
  return voters - lost >= voters / 2 + 1;
}

// The fewest sites (DCs first, then controller-only tie-breaker sites), then the fewest odd
// voters, that survive losing k sites.
void PlaceVoters(const LayoutRequest& r, LayoutPlan* plan) {
  for (int sites = r.dcs; sites <= std::max(r.dcs, 2 * r.survive + 1); ++sites) {
    for (int voters = 3; voters <= 9; voters += 2) {
      std::vector<int> per_site = Spread(voters, sites);
      if (!SurvivesLoss(per_site, r.survive)) continue;
      plan->voters_per_site = per_site;
      plan->tiebreaker_sites = sites - r.dcs;
      return;
    }
  }
}

void AddOptions(const LayoutRequest& r, LayoutPlan* plan) {
  int k = r.survive;
  if (r.dcs >= 2 * k + 1) {
    for (int n = 1; n <= std::min(2, r.brokers_per_dc); ++n) {
      plan->options.push_back(
          {"survives-dc-loss", n, n * r.dcs, k * n + 1, false,
           fmt::format("writable: {} replicas remain, min ISR {}; no acknowledged record lost",
                       n * (r.dcs - k), k * n + 1)});
    }
    return;
  }
  int n = std::min(2, r.brokers_per_dc);
  int rf = n * r.dcs;
  int consistent = std::min(k * n + 1, rf);
  int available = std::max(1, (r.dcs - k) * n);
  plan->options.push_back(
      {"consistency-first", n, rf, consistent, false,
       fmt::format("ACKS1-ONLY: {} replicas remain, fewer than min ISR {}, until min ISR is "
                   "lowered to {} or replicas are reassigned; no acknowledged record lost",
                   rf - k * n, consistent, available)});
  plan->options.push_back(
      {"availability-first", n, rf, available, true,
       fmt::format("writable: {} replicas remain, min ISR {}; but acknowledged records are "
                   "lost if the ISR had shrunk into the lost DC (the ISR is not rack-aware)",
                   rf - k * n, available)});
  plan->notes.push_back(fmt::format(
      "{} DCs cannot both stay writable and lose nothing after {} DC loss(es): that needs at "
      "least {} DCs. Choose per topic.",
      r.dcs, k, 2 * k + 1));
}

void AddSettings(LayoutPlan* plan) {
  const LayoutOption& o = plan->options.front();
  std::string rf = std::to_string(o.rf), m = std::to_string(o.min_isr);
  plan->broker_settings = {
      {"broker.rack", "<the broker's DC>"},
      {"default.replication.factor", rf},
      {"min.insync.replicas", m},
      {"unclean.leader.election.enable", o.unclean_leader_election ? "true" : "false"},
      {"offsets.topic.replication.factor", rf},
      {"transaction.state.log.replication.factor", rf},
      {"transaction.state.log.min.isr", m},
      {"replica.selector.class", "org.apache.kafka.common.replica.RackAwareReplicaSelector"},
  };
  plan->notes.push_back(
      "__consumer_offsets has no min ISR of its own: the cluster default "
      "min.insync.replicas applies to it, so keep the default at the topic rule");
  plan->notes.push_back(
      "Kafka 4.x: enable Eligible Leader Replicas (on by default for clusters "
      "created by 4.1+): kafka-features upgrade --feature "
      "eligible.leader.replicas.version=1");
  plan->notes.push_back(
      "place each voter's DC in the audit's operator file: controllers "
      "register no rack");
  plan->notes.push_back(
      "replicas per DC must not exceed brokers per DC; the 2019 blog's "
      "\"n + 1 <= brokers per DC\" is not needed (RF 6 / min ISR 3 on two "
      "brokers per DC survives a DC loss on Kafka 4.1.1)");
}

}  // namespace

Result<LayoutPlan> PlanLayout(const LayoutRequest& r) {
  if (r.dcs < 2 || r.dcs > 9) return InvalidArgument("--dcs: expected 2 to 9 datacenters");
  if (r.brokers_per_dc < 1) return InvalidArgument("--brokers-per-dc: expected at least 1");
  if (r.survive < 1 || r.survive >= r.dcs) {
    return InvalidArgument(
        fmt::format("--survive: expected 1 to {} DC losses for {} DCs", r.dcs - 1, r.dcs));
  }
  LayoutPlan plan;
  plan.request = r;
  AddOptions(r, &plan);
  PlaceVoters(r, &plan);
  if (plan.tiebreaker_sites > 0) {
    plan.notes.push_back(fmt::format(
        "the quorum needs {} more site(s) holding only a controller (a tie-breaker, the "
        "\"2.5-DC\" layout): with only {} DCs, one of them would hold a voter majority",
        plan.tiebreaker_sites, r.dcs));
  }
  AddSettings(&plan);
  return plan;
}

std::string LayoutPlanText(const LayoutPlan& p) {
  const LayoutRequest& r = p.request;
  std::string out = fmt::format("Layout for {} DCs x {} brokers, surviving {} DC loss(es)\n\n",
                                r.dcs, r.brokers_per_dc, r.survive);
  out += fmt::format("  {:<40} {:>4} {:>8} {:>8}  {}\n", "TOPICS", "RF", "MIN ISR", "UNCLEAN",
                     "AFTER THE LOSS");
  for (const LayoutOption& o : p.options) {
    out += fmt::format("  {:<40} {:>4} {:>8} {:>8}  {}\n",
                       fmt::format("{} ({}/DC)", o.name, o.replicas_per_dc), o.rf, o.min_isr,
                       o.unclean_leader_election ? "true" : "false", o.on_dc_loss);
  }
  std::vector<std::string> sites;
  for (size_t i = 0; i < p.voters_per_site.size(); ++i) {
    bool tiebreaker = static_cast<int>(i) >= r.dcs;
    sites.push_back(fmt::format("{}{}: {}", tiebreaker ? "tie-breaker " : "dc",
                                tiebreaker ? i - r.dcs + 1 : i + 1, p.voters_per_site[i]));
  }
  out += fmt::format("\nController voters: {}\n\nBroker settings (recommended option):\n",
                     fmt::join(sites, ", "));
  for (const auto& [k, v] : p.broker_settings) out += fmt::format("  {}={}\n", k, v);
  out += "\nNotes:\n";
  for (const std::string& n : p.notes) out += fmt::format("  - {}\n", n);
  return out;
}

std::string LayoutPlanJson(const LayoutPlan& p) {
  nlohmann::ordered_json options = nlohmann::ordered_json::array();
  for (const LayoutOption& o : p.options) {
    options.push_back({{"name", o.name},
                       {"replicas_per_dc", o.replicas_per_dc},
                       {"replication_factor", o.rf},
                       {"min_insync_replicas", o.min_isr},
                       {"unclean_leader_election", o.unclean_leader_election},
                       {"on_dc_loss", o.on_dc_loss}});
  }
  nlohmann::ordered_json settings = nlohmann::ordered_json::object();
  for (const auto& [k, v] : p.broker_settings) settings[k] = v;
  nlohmann::ordered_json j = {
      {"schema", "strait.audit.layout/1"},
      {"dcs", p.request.dcs},
      {"brokers_per_dc", p.request.brokers_per_dc},
      {"survive", p.request.survive},
      {"options", options},
      {"voters_per_site", p.voters_per_site},
      {"tiebreaker_sites", p.tiebreaker_sites},
      {"broker_settings", settings},
      {"notes", p.notes},
  };
  return j.dump(2) + "\n";
}

}  // namespace strait::audit
