// The JSON form of a report: schema "strait.audit.report/1". Field names and enum spellings
// are a public contract (docs/stretched-clusters.md): add fields, never rename them.
#include <map>
#include <nlohmann/json.hpp>

#include "audit/report.h"

namespace strait::audit {
namespace {

using nlohmann::ordered_json;

std::string_view KindName(Scenario::Kind kind) {
  switch (kind) {
    case Scenario::Kind::kBaseline:
      return "baseline";
    case Scenario::Kind::kLoseDcs:
      return "lose";
    case Scenario::Kind::kCut:
      return "cut";
  }
  return "?";
}

ordered_json ClusterJson(const ClusterDescription& c) {
  ordered_json dcs = ordered_json::array();
  for (const std::string& dc : c.Dcs()) {
    dcs.push_back({{"name", dc}, {"brokers", c.BrokersIn(dc)}, {"voters", c.VotersIn(dc)}});
  }
  return {{"dcs", dcs},
          {"brokers_without_dc", c.BrokersIn("")},
          {"brokers_not_registered", c.UnregisteredBrokers()},
          {"voters_without_dc", c.VotersIn("")},
          {"voters_from", OriginName(c.voters_origin)},
          {"eligible_leader_replicas", ElrStateName(c.elr)},
          {"elr_from", OriginName(c.elr_origin)}};
}

ordered_json PartitionJson(const PartitionOutcome& p) {
  ordered_json j = {{"topic", p.topic},
                    {"partition", p.partition},
                    {"class", PartitionClassName(p.cls)},
                    {"settled", PartitionClassName(p.settled)},
                    {"leader", p.leader},
                    {"acked_loss", AckedLossName(p.acked_loss)},
                    {"static_risk", p.static_risk},
                    {"hwm_frozen", p.hwm_frozen},
                    {"acks1_window", p.acks1_window},
                    {"zombie_acks1", p.zombie_acks1},
                    {"if_elr", nullptr},
                    {"reason", p.reason}};
  if (p.if_elr.has_value()) j["if_elr"] = PartitionClassName(*p.if_elr);
  return j;
}

ordered_json ScenarioJson(const ScenarioResult& r) {
  ordered_json counts = ordered_json::object();
  for (PartitionClass c :
       {PartitionClass::kWritable, PartitionClass::kAcks1Only, PartitionClass::kUncleanElection,
        PartitionClass::kOfflineUntilUnclean, PartitionClass::kOffline}) {
    counts[std::string(PartitionClassName(c))] = r.Count(c);
  }
  ordered_json partitions = ordered_json::array(), groups = ordered_json::array();
  for (const PartitionOutcome& p : r.partitions) partitions.push_back(PartitionJson(p));
  for (const GroupOutcome& g : r.groups) {
    groups.push_back({{"group", g.group},
                      {"partition", g.partition},
                      {"class", PartitionClassName(g.cls)},
                      {"can_commit", g.can_commit}});
  }
  const Scenario& s = r.scenario;
  ordered_json cut = nullptr;
  if (s.kind == Scenario::Kind::kCut) {
    cut = {{"sides", {s.side_a, s.side_b}},
           {"controller_dc",
            s.controller_dc.empty() ? ordered_json(nullptr) : ordered_json(s.controller_dc)}};
  }
  return {{"name", s.Name()},
          {"kind", KindName(s.kind)},
          {"lost_dcs", s.lost_dcs},
          {"cut", cut},
          {"quorum",
           {{"voters", r.quorum.voters},
            {"surviving", r.quorum.surviving},
            {"unknown", r.quorum.unknown},
            {"majority", r.quorum.Majority()},
            {"state", QuorumStateName(r.quorum.state)}}},
          {"verdict", VerdictName(r.verdict)},
          {"data_loss_risk", r.data_loss_risk},
          {"counts", counts},
          {"notes", r.notes},
          {"partitions", partitions},
          {"groups", groups}};
}

}  // namespace

std::string ReportJson(const Report& report) {
  ordered_json scenarios = ordered_json::array(), findings = ordered_json::array(),
               moves = ordered_json::array();
  for (const ScenarioResult& r : report.scenarios) scenarios.push_back(ScenarioJson(r));
  for (const Finding& f : report.findings) {
    findings.push_back({{"severity", SeverityName(f.severity)},
                        {"code", f.code},
                        {"subject", f.subject},
                        {"message", f.message},
                        {"fix", f.fix}});
  }
  for (const PartitionMove& m : report.reassignment.moves) {
    moves.push_back({{"topic", m.topic},
                     {"partition", m.partition},
                     {"replicas", m.to},
                     {"current_replicas", m.from}});
  }
  ordered_json j = {{"schema", kReportSchema},
                    {"source", report.cluster.source},
                    {"read_at", report.cluster.read_at},
                    {"exit_code", report.exit_code},
                    {"exit_reason", report.exit_reason},
                    {"cluster", ClusterJson(report.cluster)},
                    {"notes", report.cluster.notes},
                    {"scenarios", scenarios},
                    {"findings", findings},
                    {"reassignment", {{"version", 1}, {"partitions", moves}}}};
  return j.dump(2) + "\n";
}

}  // namespace strait::audit
