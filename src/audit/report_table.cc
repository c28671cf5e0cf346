// The table a person reads: the cluster, one line per scenario, what each scenario changes,
// the findings with their fixes, and the reassignment plan.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>

#include "audit/report.h"

namespace strait::audit {
namespace {

std::string Ids(const std::vector<BrokerId>& ids) {
  return ids.empty() ? "-" : fmt::format("{}", fmt::join(ids, ","));
}

std::string ClusterSection(const ClusterDescription& c) {
  std::string out = fmt::format("strait audit of {} (read {})\n\n", c.source, c.read_at);
  out += fmt::format("  {:<12} {:<20} {}\n", "DC", "BROKERS", "VOTERS");
  for (const std::string& dc : c.Dcs()) {
    out += fmt::format("  {:<12} {:<20} {}\n", dc, Ids(c.BrokersIn(dc)), Ids(c.VotersIn(dc)));
  }
  std::vector<BrokerId> no_dc = c.BrokersIn(""), voters_no_dc = c.VotersIn("");
  std::vector<BrokerId> down = c.UnregisteredBrokers();
  if (!no_dc.empty() || !voters_no_dc.empty()) {
    out += fmt::format("  {:<12} {:<20} {}\n", "(unknown)", Ids(no_dc), Ids(voters_no_dc));
  }
  if (!down.empty()) out += fmt::format("  brokers down or fenced now: {}\n", Ids(down));
  out += fmt::format("  voters from: {}; Eligible Leader Replicas: {} (from: {})\n",
                     OriginName(c.voters_origin), ElrStateName(c.elr), OriginName(c.elr_origin));
  out += fmt::format(
      "  defaults: min.insync.replicas={} unclean.leader.election.enable={} "
      "offsets.topic.num.partitions={}\n",
      c.defaults.min_isr, c.defaults.unclean_leader_election,
      c.defaults.offsets_topic_num_partitions);
  for (const std::string& n : c.notes) out += fmt::format("  note: {}\n", n);
  return out;
}

std::string ScenarioLine(const ScenarioResult& r) {
  int blocked = 0;
  for (const GroupOutcome& g : r.groups) blocked += g.can_commit ? 0 : 1;
  std::string quorum = r.quorum.voters == 0
                           ? "unknown"
                           : fmt::format("{}/{} {}", r.quorum.surviving, r.quorum.voters,
                                         QuorumStateName(r.quorum.state));
  return fmt::format(
      "  {:<42} {:<14} {:<22} {:>5} {:>5} {:>5} {:>5} {:>5} {:>7} {}\n", r.scenario.Name(), quorum,
      VerdictName(r.verdict), r.Count(PartitionClass::kWritable),
      r.Count(PartitionClass::kAcks1Only), r.Count(PartitionClass::kUncleanElection),
      r.Count(PartitionClass::kOfflineUntilUnclean), r.Count(PartitionClass::kOffline),
      fmt::format("{}/{}", blocked, r.groups.size()), r.data_loss_risk ? "yes" : "no");
}

std::string Flags(const PartitionOutcome& p) {
  std::vector<std::string> f;
  if (p.cls == PartitionClass::kUncleanElection) {
    f.push_back(fmt::format("then {}", PartitionClassName(p.settled)));
  }
  if (p.acked_loss != AckedLoss::kNone) {
    f.push_back(fmt::format("acked loss {}", AckedLossName(p.acked_loss)));
  }
  if (p.hwm_frozen) f.push_back("high watermark frozen");
  if (p.if_elr) {
    f.push_back(
        fmt::format("{} if the unknown ELR holds a survivor", PartitionClassName(*p.if_elr)));
  }
  return f.empty() ? "" : fmt::format(" ({})", fmt::join(f, "; "));
}

// The partitions a scenario hurts, one line per topic, class and flags.
std::string ScenarioDetail(const ScenarioResult& r) {
  std::map<std::string, std::vector<int32_t>> lines;
  for (const PartitionOutcome& p : r.partitions) {
    if (p.cls == PartitionClass::kWritable && p.acked_loss == AckedLoss::kNone) continue;
    lines[fmt::format("{}: {}{}", p.topic, PartitionClassName(p.cls), Flags(p))].push_back(
        p.partition);
  }
  std::vector<std::string> blocked;
  for (const GroupOutcome& g : r.groups) {
    if (!g.can_commit) blocked.push_back(g.group);
  }
  // Notes alone (a cut that hurts nothing) stay in the JSON; the table shows what breaks.
  if (lines.empty() && blocked.empty()) return "";
  std::string out = fmt::format("\n  {}\n", r.scenario.Name());
  for (const auto& [line, ids] : lines) {
    out += fmt::format("    {} partitions {}\n", line, Ids(ids));
  }
  if (!blocked.empty()) {
    out += fmt::format("    groups that cannot commit: {}\n", fmt::join(blocked, ", "));
  }
  for (const std::string& n : r.notes) out += fmt::format("    note: {}\n", n);
  return out;
}

std::string FindingsSection(const std::vector<Finding>& findings) {
  if (findings.empty()) return "\nFindings: none\n";
  std::string out = "\nFindings\n";
  for (const Finding& f : findings) {
    out += fmt::format("  [{}] {} ({})\n      {}\n      fix: {}\n", SeverityName(f.severity),
                       f.subject, f.code, f.message, f.fix);
  }
  return out;
}

std::string ReassignmentSection(const ReassignmentPlan& plan) {
  if (plan.empty()) return "";
  std::string out =
      "\nReassignment plan (write it with --reassignment-file, then "
      "kafka-reassign-partitions --execute --reassignment-json-file FILE)\n";
  for (const PartitionMove& m : plan.moves) {
    out += fmt::format("  {}-{}: [{}] -> [{}]\n", m.topic, m.partition, Ids(m.from), Ids(m.to));
  }
  return out;
}

}  // namespace

std::string ReportTable(const Report& report) {
  std::string out = ClusterSection(report.cluster);
  out += fmt::format("\n  {:<42} {:<14} {:<22} {:>5} {:>5} {:>5} {:>5} {:>5} {:>7} {}\n",
                     "SCENARIO", "QUORUM", "VERDICT", "WRIT", "ACKS1", "UNCL", "OFF-U", "OFF",
                     "GROUPS", "DATA LOSS");
  for (const ScenarioResult& r : report.scenarios) out += ScenarioLine(r);
  out +=
      "\n  WRIT: writable; ACKS1: ACKS1-ONLY; UNCL: unclean election; OFF-U: offline until an "
      "unclean election; OFF: offline; GROUPS: groups that cannot commit\n";
  for (const ScenarioResult& r : report.scenarios) out += ScenarioDetail(r);
  out += FindingsSection(report.findings);
  out += ReassignmentSection(report.reassignment);
  out += fmt::format("\nExit code {}: {}\n", report.exit_code, report.exit_reason);
  return out;
}

}  // namespace strait::audit
