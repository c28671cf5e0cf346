// What a config reload changes: which flows start, stop or restart, and which keep running
// untouched. Pure functions of two configs; any thread.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace strait::control {

struct ReloadPlan {
  std::vector<std::string> start;      // new (or newly enabled) flows
  std::vector<std::string> stop;       // removed (or disabled) flows
  std::vector<std::string> restart;    // their settings or a cluster of theirs changed
  std::vector<std::string> unchanged;  // keep running, never paused
  // Settings that only a restart of strait applies (http), in words for the log.
  std::vector<std::string> needs_restart;

  bool empty() const { return start.empty() && stop.empty() && restart.empty(); }
};

// Compares the enabled flows of `running` and `next` by name (source->target). A flow
// restarts when any of its settings differs, or any client property of its source or target
// cluster; where a setting sits in the file (its line) does not count.
ReloadPlan PlanReload(const config::Config& running, const config::Config& next);

// The enabled flow named `name` ("dc1->dc2"), or nullptr.
const config::FlowConfig* FindFlow(const config::Config& config, const std::string& name);

}  // namespace strait::control
