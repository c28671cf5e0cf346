// `strait audit plan`: the recommended layout of a stretched cluster without a cluster to look
// at: RF, min ISR, controller voters per site and the broker settings for internal topics,
// from the number of DCs, brokers per DC and how many DC losses to survive. Pure; thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace strait::audit {

struct LayoutRequest {
  int dcs = 3;
  int brokers_per_dc = 2;
  int survive = 1;  // DC losses to survive, 1 <= survive < dcs
};

// One way to set a topic up; two DCs have two (consistency first, availability first).
struct LayoutOption {
  std::string name;  // "survives-dc-loss", "consistency-first", "availability-first"
  int replicas_per_dc = 0;
  int rf = 0;
  int min_isr = 0;
  bool unclean_leader_election = false;
  std::string on_dc_loss;  // what losing `survive` DCs does
};

struct LayoutPlan {
  LayoutRequest request;
  std::vector<LayoutOption> options;  // the first one is recommended
  // Controller voters per site: the DCs first, then tie-breaker sites that hold only a
  // controller (the "2.5-DC" layout).
  std::vector<int> voters_per_site;
  int tiebreaker_sites = 0;
  // Broker settings for the recommended option (server.properties).
  std::vector<std::pair<std::string, std::string>> broker_settings;
  std::vector<std::string> notes;
};

Result<LayoutPlan> PlanLayout(const LayoutRequest& request);

std::string LayoutPlanText(const LayoutPlan& plan);
std::string LayoutPlanJson(const LayoutPlan& plan);

}  // namespace strait::audit
