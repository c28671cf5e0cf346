// `strait verify --config F [--flow NAME] [--topics RE] [--json]`: reads every partition of
// the chosen flows on both clusters and reports records missing, duplicated, out of order or
// different on the target (verify/live.h). Reads only; replication goes on undisturbed.
#include <fmt/format.h>

#include <cstdio>

#include "base/regex_check.h"
#include "cli/commands.h"
#include "config/config.h"
#include "verify/live.h"
#include "verify/report.h"

namespace strait::cli {
namespace {

// The flows to check, or an error naming the flows there are.
Result<std::vector<const config::FlowConfig*>> ChooseFlows(const config::Config& config,
                                                           const std::string& name) {
  std::vector<const config::FlowConfig*> chosen;
  std::string names;
  for (const config::FlowConfig& f : config.flows) {
    names += (names.empty() ? "" : ", ") + f.Name();
    if (name.empty() ? f.enabled : f.Name() == name) chosen.push_back(&f);
  }
  if (!name.empty() && chosen.empty()) {
    return InvalidArgument(
        fmt::format("{}: no flow {} (the flows are: {})", config.path, name, names));
  }
  return chosen;
}

Status CheckRegex(const std::string& pattern) {
  if (pattern.empty()) return Status::Ok();
  if (Status s = CheckPattern(pattern); !s.ok()) {
    return InvalidArgument(fmt::format("--topics: \"{}\" is not a valid regular expression: {}",
                                       pattern, s.message()));
  }
  return Status::Ok();
}

}  // namespace

int RunVerify(const VerifyCommandOptions& o) {
  Result<config::Config> config = config::LoadConfigFile(o.config_path);
  Result<std::vector<const config::FlowConfig*>> flows =
      config.ok() ? ChooseFlows(*config, o.flow) : config.status();
  Status regex = CheckRegex(o.topics);
  if (!flows.ok() || !regex.ok() || o.timeout_ms <= 0) {
    std::fprintf(stderr, "%s\n",
                 !flows.ok()   ? flows.status().message().c_str()
                 : !regex.ok() ? regex.message().c_str()
                               : "--timeout-ms must be positive");
    return kExitUsage;
  }
  verify::VerifyOptions options{o.topics, std::chrono::milliseconds(o.timeout_ms)};
  verify::Report report;
  for (const config::FlowConfig* f : *flows) {
    report.flows.push_back(verify::VerifyFlow(*config, *f, options));
  }
  std::string out = o.json ? verify::ReportJson(report) : verify::ReportTable(report);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return verify::ExitCode(report.verdict());
}

}  // namespace strait::cli
