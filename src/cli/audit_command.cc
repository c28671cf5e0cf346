// strait audit: reads a stretched cluster (or a saved description of one), evaluates what the
// loss of each DC and each cut between DCs does, and prints the report. `strait audit plan`
// recommends a layout without a cluster. See docs/stretched-clusters.md.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <set>

#include "audit/cluster_json.h"
#include "audit/cluster_reader.h"
#include "audit/layout_plan.h"
#include "audit/operator_file.h"
#include "audit/report.h"
#include "base/log.h"
#include "base/redact.h"
#include "cli/commands.h"
#include "config/config.h"
#include "kafka/admin.h"

namespace strait::cli {
namespace {

// The cluster to read: its client properties and how to name it in the report. Never the
// properties themselves in any output: they may hold passwords.
struct Target {
  kafka::Properties properties;
  std::string source;
};

// Prints a failure and maps it to an exit code: bad input is a usage error, the rest a failure.
int Fail(const Status& s) {
  std::fprintf(stderr, "strait audit: %s\n", Redact(s.message()).c_str());
  return s.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
}

Result<Target> TargetFromBootstrap(const AuditOptions& o) {
  Target t{{{"bootstrap.servers", o.bootstrap_servers}}, "bootstrap " + o.bootstrap_servers};
  for (const std::string& p : o.properties) {
    size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgument(fmt::format("-X: expected key=value, got \"{}\"", Redact(p)));
    }
    std::string key = p.substr(0, eq), value = p.substr(eq + 1);
    if (IsSecretKey(key)) RegisterSecret(value);
    t.properties.emplace_back(key, value);
  }
  return t;
}

Result<Target> TargetFromConfig(const AuditOptions& o) {
  STRAIT_ASSIGN_OR_RETURN(config::Config cfg, config::LoadConfigFile(o.config_path));
  auto it = cfg.clusters.find(o.cluster);
  if (it == cfg.clusters.end()) {
    std::vector<std::string> known;
    for (const auto& [alias, c] : cfg.clusters) known.push_back(alias);
    return InvalidArgument(fmt::format("{}: clusters.{}: no such cluster (the file defines {})",
                                       o.config_path, o.cluster, fmt::join(known, ", ")));
  }
  return Target{it->second.AdminProperties(), fmt::format("cluster {} of {} ({})", o.cluster,
                                                          o.config_path, it->second.Bootstrap())};
}

Status CheckSources(const AuditOptions& o) {
  int sources = !o.bootstrap_servers.empty() + !o.from.empty() +
                (!o.config_path.empty() || !o.cluster.empty());
  if (sources != 1) {
    return InvalidArgument(
        "give exactly one of --bootstrap-servers, --config with --cluster, "
        "or --from");
  }
  if (o.config_path.empty() != o.cluster.empty()) {
    return InvalidArgument(
        "--config and --cluster go together: the alias of a cluster in the "
        "strait config");
  }
  if (!o.properties.empty() && o.bootstrap_servers.empty()) {
    return InvalidArgument(
        "-X goes with --bootstrap-servers; with --config the cluster's "
        "properties come from the config");
  }
  return Status::Ok();
}

Result<audit::ClusterDescription> ReadLive(const Target& target, const AuditOptions& o) {
  kafka::ClientOptions client;
  client.name = "audit";
  client.properties = target.properties;
  // A DC that is down makes librdkafka log connection errors by the dozen: expected here.
  client.log_sink = [](int, std::string_view facility, std::string_view message) {
    log::Debug("librdkafka", message, {{"facility", facility}});
  };
  STRAIT_ASSIGN_OR_RETURN(std::unique_ptr<kafka::Admin> admin, kafka::Admin::Create(client));
  audit::ReadOptions read{target.source, std::chrono::milliseconds(o.timeout_ms)};
  return audit::ReadCluster(*admin, read);
}

Result<audit::ClusterDescription> Describe(const AuditOptions& o) {
  STRAIT_RETURN_IF_ERROR(CheckSources(o));
  Result<audit::ClusterDescription> c = [&]() -> Result<audit::ClusterDescription> {
    if (!o.from.empty()) return audit::LoadDescriptionFile(o.from);
    STRAIT_ASSIGN_OR_RETURN(
        Target t, o.bootstrap_servers.empty() ? TargetFromConfig(o) : TargetFromBootstrap(o));
    return ReadLive(t, o);
  }();
  if (!c.ok() || o.operator_file.empty()) return c;
  STRAIT_ASSIGN_OR_RETURN(audit::OperatorFile file, audit::LoadOperatorFile(o.operator_file));
  audit::ApplyOperatorFile(file, &*c);
  return c;
}

// --lose dc1,dc2: the DCs must exist, so that a typo does not audit a scenario that kills nothing.
Result<std::vector<audit::Scenario>> ExtraScenarios(const AuditOptions& o,
                                                    const audit::ClusterDescription& c) {
  std::vector<std::string> known = c.Dcs();
  std::vector<audit::Scenario> out;
  for (const std::string& spec : o.lose) {
    std::vector<std::string> dcs;
    for (size_t start = 0; start <= spec.size();) {
      size_t end = std::min(spec.find(',', start), spec.size());
      std::string dc = spec.substr(start, end - start);
      if (std::find(known.begin(), known.end(), dc) == known.end()) {
        return InvalidArgument(fmt::format("--lose {}: no DC \"{}\" in the cluster (it has {})",
                                           spec, dc, fmt::join(known, ", ")));
      }
      dcs.push_back(dc);
      start = end + 1;
    }
    out.push_back(audit::LoseDcs(dcs));
  }
  return out;
}

int RunPlan(const AuditOptions& o) {
  Result<audit::LayoutPlan> plan = audit::PlanLayout({o.dcs, o.brokers_per_dc, o.survive});
  if (!plan.ok()) return Fail(plan.status());
  std::string out =
      o.format == "json" ? audit::LayoutPlanJson(*plan) : audit::LayoutPlanText(*plan);
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

Status WriteOutputs(const AuditOptions& o, const audit::Report& report) {
  if (!o.save.empty()) {
    STRAIT_RETURN_IF_ERROR(audit::SaveDescriptionFile(report.cluster, o.save));
  }
  if (!o.reassignment_file.empty()) {
    STRAIT_RETURN_IF_ERROR(audit::WriteTextFile(
        o.reassignment_file, audit::ReassignmentJson(report.reassignment) + "\n"));
  }
  return Status::Ok();
}

}  // namespace

CLI::App* AddAuditCommand(CLI::App& app, AuditOptions* o) {
  CLI::App* cmd =
      app.add_subcommand("audit",
                         "what losing each datacenter does to a stretched cluster (exit codes: "
                         "0 survives, 3 degraded, 4 outage or data at risk, 5 inconclusive)");
  cmd->add_option("--bootstrap-servers", o->bootstrap_servers, "HOST:PORT[,HOST:PORT...]");
  cmd->add_option("-X,--property", o->properties,
                  "client property key=value (with --bootstrap-servers)");
  cmd->add_option("-c,--config", o->config_path,
                  "strait config holding the cluster (with --cluster)");
  cmd->add_option("--cluster", o->cluster, "cluster alias in --config");
  cmd->add_option("--from", o->from, "audit a description saved by --save, offline");
  cmd->add_option("--operator-file", o->operator_file, "YAML: controller DCs, ELR (see the docs)");
  cmd->add_option("--format", o->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  cmd->add_option("--save", o->save, "write the cluster description that was audited");
  cmd->add_option("--reassignment-file", o->reassignment_file,
                  "write the reassignment plan for kafka-reassign-partitions");
  cmd->add_option("--lose", o->lose, "also evaluate losing these DCs at once: dc1,dc2");
  cmd->add_option("--timeout", o->timeout_ms, "per request, in ms")->check(CLI::Range(100, 600000));
  cmd->add_flag("-v,--verbose", o->verbose, "log what the Kafka client does");
  CLI::App* plan = cmd->add_subcommand("plan", "recommend a layout without a cluster");
  plan->add_option("--dcs", o->dcs, "datacenters holding brokers")->required();
  plan->add_option("--brokers-per-dc", o->brokers_per_dc, "brokers in each DC")->required();
  plan->add_option("--survive", o->survive, "DC losses to survive");
  plan->add_option("--format", o->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  cmd->require_subcommand(0, 1);
  return cmd;
}

int RunAudit(const CLI::App& cmd, const AuditOptions& o) {
  log::SetLevel(o.verbose ? log::Level::kDebug : log::Level::kWarn);
  if (cmd.get_subcommand("plan")->parsed()) return RunPlan(o);
  Result<audit::ClusterDescription> cluster = Describe(o);
  if (!cluster.ok()) return Fail(cluster.status());
  Result<std::vector<audit::Scenario>> extra = ExtraScenarios(o, *cluster);
  if (!extra.ok()) return Fail(extra.status());
  audit::Report report = audit::BuildReport(std::move(*cluster), *extra);
  Status written = WriteOutputs(o, report);
  if (!written.ok()) return Fail(written);
  std::string out = o.format == "json" ? audit::ReportJson(report) : audit::ReportTable(report);
  std::fputs(out.c_str(), stdout);
  return report.exit_code;
}

}  // namespace strait::cli
