// `strait run`: replicate until SIGTERM or SIGINT, then drain and exit 0. SIGHUP re-reads
// the config (control/controller.h).
#include <fmt/format.h>

#include <csignal>
#include <cstdio>

#include "base/log.h"
#include "cli/commands.h"
#include "cli/config_file.h"
#include "config/config.h"
#include "control/controller.h"
#include "http/server.h"
#include "replication/replicator.h"
#include "status/render.h"
#include "statuspage/history.h"
#include "statuspage/page.h"

namespace strait::cli {
namespace {

// Blocks the signals strait handles in this thread and, through inheritance, in every
// thread started later (librdkafka's included), so that only sigwait() below receives them.
sigset_t BlockHandledSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

}  // namespace

int RunRun(const RunOptions& options) {
  sigset_t signals = BlockHandledSignals();
  std::optional<config::Config> config = LoadConfigOrSay(options.config_path);
  if (!config) return kExitUsage;
  control::ApplyLogSettings(*config, options.log_level);

  replication::Replicator replicator(*config);
  control::Controller controller({options.config_path, options.log_level}, *config, &replicator);
  auto status_json = [&] { return status::StatusJson(status::Capture(replicator)); };
  statuspage::History history(status_json, {});
  http::Server http(
      {[&] { return status::MetricsText(status::Capture(replicator)) + controller.Metrics(); },
       status_json, [&] { return replicator.Healthy(); },
       [] { return std::string(statuspage::PageHtml()); }, [&] { return history.Json(); },
       [&](std::string_view action, const std::string& flow) {
         return controller.Handle(action, flow);
       }},
      {config->http.tls_certificate, config->http.tls_key, config->http.token});
  if (config->http.enabled) {
    Status s = http.Start(config->http.host, config->http.port);
    if (!s.ok()) {
      log::Error("main", s.message());
      return kExitFailure;
    }
    history.Start();
  }
  replicator.Start();
  log::Info("main", "strait started",
            {{"config", options.config_path},
             {"flows", config->flows.size()},
             {"http", !config->http.enabled
                          ? std::string("off")
                          : fmt::format("{}://{}:{}{}", config->http.tls() ? "https" : "http",
                                        config->http.host, http.port(),
                                        config->http.token.empty() ? "" : " (bearer token)")}});
  int signal = 0;
  while (sigwait(&signals, &signal) == 0 && signal == SIGHUP) {
    log::Info("main", "SIGHUP: reloading the config", {{"config", options.config_path}});
    controller.Reload().status().IgnoreError();  // the controller logs the outcome
  }
  log::Info("main", "stopping: draining in-flight records", {{"signal", strsignal(signal)}});
  controller.Close();
  history.Stop();
  replicator.Stop();
  http.Stop();
  log::Info("main", "stopped");
  return kExitOk;
}

}  // namespace strait::cli
