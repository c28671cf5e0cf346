#include "control/reload_plan.h"

namespace strait::control {
namespace {

// Flow and cluster settings without their place in the file: inserting a line above a
// flow must not restart it.
config::FlowConfig WithoutLocation(config::FlowConfig f) {
  f.location = {};
  return f;
}

bool SameCluster(const config::Config& a, const config::Config& b, const std::string& alias) {
  config::ClusterConfig x = a.Cluster(alias), y = b.Cluster(alias);
  x.location = y.location = {};
  return x == y;
}

bool SameFlow(const config::Config& running, const config::FlowConfig& old_flow,
              const config::Config& next, const config::FlowConfig& new_flow) {
  return WithoutLocation(old_flow) == WithoutLocation(new_flow) &&
         SameCluster(running, next, new_flow.source) && SameCluster(running, next, new_flow.target);
}

}  // namespace

const config::FlowConfig* FindFlow(const config::Config& config, const std::string& name) {
  for (const config::FlowConfig& f : config.flows) {
    if (f.enabled && f.Name() == name) return &f;
  }
  return nullptr;
}

ReloadPlan PlanReload(const config::Config& running, const config::Config& next) {
  ReloadPlan plan;
  for (const config::FlowConfig& f : running.flows) {
    if (f.enabled && FindFlow(next, f.Name()) == nullptr) plan.stop.push_back(f.Name());
  }
  for (const config::FlowConfig& f : next.flows) {
    if (!f.enabled) continue;
    const config::FlowConfig* old_flow = FindFlow(running, f.Name());
    if (old_flow == nullptr) {
      plan.start.push_back(f.Name());
    } else if (SameFlow(running, *old_flow, next, f)) {
      plan.unchanged.push_back(f.Name());
    } else {
      plan.restart.push_back(f.Name());
    }
  }
  if (!(running.http == next.http)) {
    plan.needs_restart.push_back("http (listen, enabled): kept as it was until strait restarts");
  }
  return plan;
}

}  // namespace strait::control
