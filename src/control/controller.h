// Live control of a running strait: reload the config file, pause and resume one flow.
//
// Owned by the `run` command. Reload, Pause and Resume may be called from any thread (SIGHUP
// arrives on the main thread, HTTP requests on the server's); one change runs at a time, and
// the flows a change does not name keep running untouched. A paused flow stays paused
// across reloads, until Resume, a reload that removes it, or a restart of strait.
// Metrics() never waits for a change to finish.
#pragma once

#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "base/status.h"
#include "config/config.h"
#include "control/reload_plan.h"
#include "replication/replicator.h"

namespace strait::control {

// Sets the log level (`level_override` when not empty, else log.level) and log.format.
void ApplyLogSettings(const config::Config& config, const std::string& level_override);

class Controller {
 public:
  struct Options {
    std::string config_path;
    std::string log_level_override;  // `strait run --log-level`: wins over log.level
  };

  // `replicator` runs the flows of `running` and outlives the controller.
  Controller(Options options, config::Config running, replication::Replicator* replicator);

  // Re-reads the config file and applies what changed. An invalid file changes nothing and
  // returns its errors, each as "file:line:column: key: ...".
  Result<ReloadPlan> Reload();
  // Stops the flow once its in-flight records are acknowledged, and keeps it stopped.
  // Returns what was done, for the caller to print; pausing a paused flow is not an error.
  Result<std::string> Pause(const std::string& flow);
  Result<std::string> Resume(const std::string& flow);
  // Refuses every later change: strait is stopping. Waits for a change under way.
  void Close();

  // The HTTP API: `action` is "reload", "pause" or "resume" (with `flow`). Returns the HTTP
  // status and a JSON body: {"ok": true, ...} or {"ok": false, "error": "..."}.
  std::pair<int, std::string> Handle(std::string_view action, const std::string& flow);

  // strait_flow_paused, strait_config_reloads_total and the last reload's outcome.
  std::string Metrics() const;

 private:
  Status CheckOpen() const;
  Result<const config::FlowConfig*> Find(const std::string& flow) const;
  void CountReload(bool ok);

  const Options options_;
  replication::Replicator* const replicator_;

  std::mutex change_mu_;    // held for a whole change
  config::Config running_;  // guarded by change_mu_
  bool closed_ = false;     // guarded by change_mu_

  mutable std::mutex stats_mu_;   // never held while flows stop or start
  std::set<std::string> paused_;  // guarded by stats_mu_
  std::set<std::string> flows_;   // enabled flows; guarded by stats_mu_
  int64_t reloads_ok_ = 0;        // guarded by stats_mu_
  int64_t reloads_failed_ = 0;    // guarded by stats_mu_
  bool last_reload_ok_ = true;    // guarded by stats_mu_
  int64_t last_success_ms_ = 0;   // guarded by stats_mu_
};

}  // namespace strait::control
