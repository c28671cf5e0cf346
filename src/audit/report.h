// The whole audit of one cluster: every scenario, the findings, the reassignment plan, and the
// exit code that a cron job or CI alerts on. Rendered as a table for people or as JSON
// (schema "strait.audit.report/1", documented in docs/stretched-clusters.md).
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "audit/cluster.h"
#include "audit/findings.h"
#include "audit/reassignment.h"
#include "audit/scenario.h"

namespace strait::audit {

// Exit codes of `strait audit`, judged on the baseline and on the loss of each single DC (and
// any --lose scenario); link cuts are reported but do not change the code.
inline constexpr int kExitSurvives = 0;  // every partition stays WRITABLE, no loss risk
inline constexpr int kExitDegraded = 3;  // some partitions become ACKS1-ONLY; none offline
inline constexpr int kExitOutage = 4;    // partitions offline, quorum lost, or acked data at risk
inline constexpr int kExitInconclusive = 5;  // the verdict needs a fact that is unknown

inline constexpr std::string_view kReportSchema = "strait.audit.report/1";

struct Report {
  ClusterDescription cluster;
  std::vector<ScenarioResult> scenarios;
  std::vector<Finding> findings;
  ReassignmentPlan reassignment;
  int exit_code = kExitSurvives;
  std::string exit_reason;
};

// Evaluates the standard scenarios plus `extra` ones (e.g. losing two DCs at once).
Report BuildReport(ClusterDescription cluster, const std::vector<Scenario>& extra = {});

std::string ReportJson(const Report& report);
std::string ReportTable(const Report& report);

}  // namespace strait::audit
