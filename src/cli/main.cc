// strait: cross-datacenter replication for Apache Kafka. Parses the command line and hands
// over to one subcommand (commands.h).
#include <CLI/CLI.hpp>

#include "base/log.h"
#include "cli/commands.h"

int main(int argc, char** argv) {
  using namespace strait::cli;
  strait::log::Init(strait::log::Level::kInfo);
  CLI::App app{"strait: cross-datacenter replication for Apache Kafka"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "strait 0.1.0");

  RunOptions run;
  CLI::App* run_cmd = app.add_subcommand("run", "replicate until SIGTERM/SIGINT, then drain and exit");
  run_cmd->add_option("-c,--config", run.config_path, "config file")->required();
  run_cmd->add_option("--log-level", run.log_level, "trace, debug, info, warn or error");

  CheckOptions check;
  CLI::App* check_cmd = app.add_subcommand("check", "validate the config, connect, print the plan");
  check_cmd->add_option("-c,--config", check.config_path, "config file")->required();
  check_cmd->add_flag("--offline", check.offline, "only validate the file; do not connect");

  try {  // CLI11 reports usage errors by throwing; they end here
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (run_cmd->parsed()) return RunRun(run);
  if (check_cmd->parsed()) return RunCheck(check);
  return kExitUsage;
}
