#include "audit/report.h"

#include <fmt/format.h>

#include <algorithm>

namespace strait::audit {
namespace {

bool Judged(const ScenarioResult& r) { return r.scenario.kind != Scenario::Kind::kCut; }

void SetExitCode(Report* report) {
  const ScenarioResult* outage = nullptr;
  const ScenarioResult* unknown = nullptr;
  const ScenarioResult* degraded = nullptr;
  for (const ScenarioResult& r : report->scenarios) {
    if (!Judged(r)) continue;
    bool bad = r.verdict == Verdict::kPartialOutage || r.verdict == Verdict::kControlPlaneDown ||
               r.data_loss_risk;
    if (bad && outage == nullptr) outage = &r;
    if (r.verdict == Verdict::kControlPlaneUnknown && unknown == nullptr) unknown = &r;
    if (r.verdict == Verdict::kDegraded && degraded == nullptr) degraded = &r;
  }
  bool blocker = std::any_of(report->findings.begin(), report->findings.end(),
                             [](const Finding& f) { return f.severity == Severity::kBlocker; });
  if (outage != nullptr) {
    report->exit_code = kExitOutage;
    report->exit_reason =
        fmt::format("{}: {}{}", outage->scenario.Name(), VerdictName(outage->verdict),
                    outage->data_loss_risk ? ", acknowledged data at risk" : "");
  } else if (unknown != nullptr || blocker) {
    report->exit_code = kExitInconclusive;
    report->exit_reason = "a fact the verdict needs is unknown (see the BLOCKER findings)";
  } else if (degraded != nullptr) {
    report->exit_code = kExitDegraded;
    report->exit_reason =
        fmt::format("{}: some partitions become ACKS1-ONLY", degraded->scenario.Name());
  } else {
    report->exit_code = kExitSurvives;
    report->exit_reason = "every single-DC loss leaves every partition writable, nothing at risk";
  }
}

}  // namespace

Report BuildReport(ClusterDescription cluster, const std::vector<Scenario>& extra) {
  Report report;
  std::vector<Scenario> scenarios = StandardScenarios(cluster);
  scenarios.insert(scenarios.end(), extra.begin(), extra.end());
  for (const Scenario& s : scenarios) report.scenarios.push_back(Evaluate(cluster, s));
  report.findings = Findings(cluster);
  report.reassignment = PlanReassignment(cluster);
  report.cluster = std::move(cluster);
  SetExitCode(&report);
  return report;
}

}  // namespace strait::audit
