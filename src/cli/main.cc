// strait: cross-datacenter replication for Apache Kafka. Parses the command line and hands
// over to one subcommand (commands.h).
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "base/log.h"
#include "cli/commands.h"
#include "kafka/client.h"

#ifdef STRAIT_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace {

// ", jemalloc 5.3.0-..." when the binary is linked with jemalloc, which then serves every
// malloc of the process (Debian builds it without a symbol prefix); asked of jemalloc itself.
std::string AllocatorVersion() {
#ifdef STRAIT_JEMALLOC
  const char* version = nullptr;
  size_t size = sizeof(version);
  if (mallctl("version", &version, &size, nullptr, 0) == 0 && version != nullptr) {
    return std::string(", jemalloc ") + version;
  }
#endif
  return "";
}

}  // namespace

// strait throws nothing itself; an exception from a library that reaches main is a bug, and
// the runtime's abort with its message is the right end for it.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  using namespace strait::cli;
  strait::log::Init(strait::log::Level::kInfo);
  CLI::App app{"strait: cross-datacenter replication for Apache Kafka"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("strait " STRAIT_VERSION " (librdkafka ") +
                                        strait::kafka::LibraryVersion() + AllocatorVersion() + ")");

  RunOptions run;
  CLI::App* run_cmd =
      app.add_subcommand("run", "replicate until SIGTERM/SIGINT, then drain and exit");
  run_cmd->add_option("-c,--config", run.config_path, "config file")->required();
  run_cmd->add_option("--log-level", run.log_level, "trace, debug, info, warn or error");

  CheckOptions check;
  CLI::App* check_cmd = app.add_subcommand("check", "validate the config, connect, print the plan");
  check_cmd->add_option("-c,--config", check.config_path, "config file")->required();
  check_cmd->add_flag("--offline", check.offline, "only validate the file; do not connect");

  StatusOptions status;
  CLI::App* status_cmd =
      app.add_subcommand("status", "show the replication graph of a running instance");
  status_cmd->add_option("-c,--config", status.config_path, "config file")->required();
  status_cmd->add_flag("--json", status.json, "print JSON");

  ControlOptions control;
  CLI::App* reload_cmd = app.add_subcommand(
      "reload",
      "make the running instance re-read its config (as SIGHUP does) and show what changed");
  reload_cmd->add_option("-c,--config", control.config_path, "config file")->required();
  std::vector<CLI::App*> flow_cmds;
  for (const char* verb : {"pause", "resume"}) {
    CLI::App* c = app.add_subcommand(
        verb, std::string(verb) == "pause"
                  ? "stop one flow of the running instance after draining it; kept across reloads"
                  : "start a paused flow again where it stopped");
    c->add_option("flow", control.flow, "the flow, as SOURCE->TARGET (quote it in a shell)")
        ->required();
    c->add_option("-c,--config", control.config_path, "config file")->required();
    flow_cmds.push_back(c);
  }

  OffsetsOptions offsets;
  CLI::App* offsets_cmd = app.add_subcommand(
      "offsets", "translate or apply a consumer group's offsets between clusters");
  offsets_cmd->require_subcommand(1);
  for (const char* verb : {"translate", "apply"}) {
    CLI::App* c = offsets_cmd->add_subcommand(
        verb, std::string(verb) == "apply" ? "translate, then commit to the group on --to"
                                           : "print where the group resumes on --to");
    c->add_option("-c,--config", offsets.config_path, "config file")->required();
    c->add_option("-g,--group", offsets.group, "consumer group")->required();
    c->add_option("--from", offsets.from, "cluster alias the group consumed on")->required();
    c->add_option("--to", offsets.to, "cluster alias the group moves to")->required();
    c->add_flag("--json", offsets.json, "print JSON");
    if (std::string(verb) == "apply") {
      c->add_flag("--allow-rewind", offsets.allow_rewind,
                  "also move offsets the group already has on --to backwards");
    }
  }

  ProgressOptions progress;
  CLI::App* progress_cmd = app.add_subcommand(
      "progress", "set where a flow continues a partition it cannot resume on its own");
  progress_cmd->require_subcommand(1);
  CLI::App* progress_set = progress_cmd->add_subcommand(
      "set", "commit the first source offset to mirror to the flow's progress group");
  progress_set->add_option("-c,--config", progress.config_path, "config file")->required();
  progress_set->add_option("--flow", progress.flow, "the flow, e.g. dc1->dc2")->required();
  progress_set->add_option("--topic", progress.topic, "the source topic")->required();
  progress_set->add_option("--partition", progress.partition, "the partition")->required();
  progress_set->add_option("--offset", progress.offset, "the first source offset to mirror")
      ->required();

  ImportMm2Options import_mm2;
  CLI::App* import_cmd = app.add_subcommand(
      "import-mm2", "write the strait config for a MirrorMaker 2 config (mm2.properties)");
  import_cmd->add_option("mm2-properties", import_mm2.input_path, "MirrorMaker 2's config file")
      ->required();
  import_cmd->add_option("-o,--output", import_mm2.output_path,
                         "write the strait config here (default: stdout)");

  VerifyCommandOptions verify;
  CLI::App* verify_cmd = app.add_subcommand(
      "verify", "check that every source record is on the target once, in order");
  verify_cmd->add_option("-c,--config", verify.config_path, "config file")->required();
  verify_cmd->add_option("--flow", verify.flow, "only this flow, e.g. dc1->dc2");
  verify_cmd->add_option("--topics", verify.topics, "only source topics matching this regex");
  verify_cmd->add_flag("--json", verify.json, "print JSON");
  verify_cmd->add_option("--timeout-ms", verify.timeout_ms,
                         "how long a cluster may answer nothing (default 30000)");

  AuditOptions audit;
  CLI::App* audit_cmd = AddAuditCommand(app, &audit);

  try {  // CLI11 reports usage errors by throwing; they end here
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (run_cmd->parsed()) return RunRun(run);
  if (check_cmd->parsed()) return RunCheck(check);
  if (status_cmd->parsed()) return RunStatus(status);
  if (reload_cmd->parsed()) {
    control.action = "reload";
    return RunControl(control);
  }
  for (CLI::App* c : flow_cmds) {
    if (!c->parsed()) continue;
    control.action = c->get_name();
    return RunControl(control);
  }
  if (offsets_cmd->parsed()) {
    offsets.apply = offsets_cmd->got_subcommand("apply");
    return RunOffsets(offsets);
  }
  if (progress_cmd->parsed()) return RunProgress(progress);
  if (import_cmd->parsed()) return RunImportMm2(import_mm2);
  if (verify_cmd->parsed()) return RunVerify(verify);
  if (audit_cmd->parsed()) return RunAudit(*audit_cmd, audit);
  return kExitUsage;
}
