// `strait run`: replicate until SIGTERM or SIGINT, then drain and exit 0.
#include <fmt/format.h>

#include <csignal>
#include <cstdio>

#include "base/log.h"
#include "cli/commands.h"
#include "config/config.h"
#include "http/server.h"
#include "replication/replicator.h"

namespace strait::cli {
namespace {

// Blocks the stop signals in this thread and, through inheritance, in every thread started
// later (librdkafka's included), so that only sigwait() below receives them.
sigset_t BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

}  // namespace

int RunRun(const RunOptions& options) {
  sigset_t stop_signals = BlockStopSignals();
  Result<config::Config> config = config::LoadConfigFile(options.config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", config.status().message().c_str());
    return kExitUsage;
  }
  log::Level level = log::Level::kInfo;
  log::ParseLevel(options.log_level.empty() ? config->log_level : options.log_level, &level);
  log::SetLevel(level);

  replication::Replicator replicator(*config);
  http::Server http({[&] { return replicator.Metrics(); }, [&] { return replicator.StatusJson(); },
                     [&] { return replicator.Healthy(); }},
                    {config->http.tls_certificate, config->http.tls_key, config->http.token});
  if (config->http.enabled) {
    Status s = http.Start(config->http.host, config->http.port);
    if (!s.ok()) {
      log::Error("main", s.message());
      return kExitFailure;
    }
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
  sigwait(&stop_signals, &signal);
  log::Info("main", "stopping: draining in-flight records", {{"signal", strsignal(signal)}});
  replicator.Stop();
  http.Stop();
  log::Info("main", "stopped");
  return kExitOk;
}

}  // namespace strait::cli
