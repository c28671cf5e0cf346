#include "replication/replicator.h"

#include <array>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "base/log.h"
#include "metrics/exposition.h"

namespace strait::replication {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

nlohmann::json PartitionJson(const PartitionState& p, int64_t now) {
  return {{"topic", p.source_topic()},
          {"partition", p.partition()},
          {"remote_topic", p.remote_topic()},
          {"state", PartitionPhaseName(p.phase())},
          {"error", p.error()},
          {"next_source_offset", p.acked_next.load()},
          {"source_high_watermark", p.source_high.load()},
          {"lag_records", p.LagRecords()},
          {"lag_seconds", p.LagSeconds(now)},
          {"records", p.records.load()},
          {"bytes", p.bytes.load()},
          {"inflight_records", p.inflight_records.load()},
          {"last_target_offset", p.target_last_offset.load()},
          {"filtered_loop_records", p.filtered.load()},
          {"skipped_not_local_records", p.not_local.load()}};
}

// A flow's figures summed over its partitions, for /status's flow and edge views.
struct FlowTotals {
  int64_t records = 0, bytes = 0, lag = 0, loops = 0, not_local = 0;
  double lag_seconds = 0;
};

FlowTotals Totals(const FlowSnapshot& s, int64_t now_ms) {
  FlowTotals t;
  for (const auto& p : s.partitions) {
    t.records += p->records.load();
    t.bytes += p->bytes.load();
    t.lag += p->LagRecords();
    t.loops += p->filtered.load();
    t.not_local += p->not_local.load();
    t.lag_seconds = std::max(t.lag_seconds, p->LagSeconds(now_ms));
  }
  return t;
}

nlohmann::json AclSyncJson(const std::optional<acl::AclSyncStatus>& acls) {
  if (!acls) return {{"state", "off"}};
  return {{"state", acls->state},
          {"detail", acls->detail},
          {"bindings", acls->bindings},
          {"created_total", acls->created_total},
          {"removed_total", acls->removed_total}};
}

}  // namespace

Replicator::Replicator(const config::Config& config) {
  for (const config::FlowConfig& f : config.flows) {
    if (!f.enabled) continue;
    configs_.push_back(f);
    flows_.push_back(std::make_unique<Flow>(config, f));
  }
  problems_ = AnalyzeTopology(config.flows);
  for (const TopologyProblem& p : problems_) {
    log::Error("topology", p.message, {{"problem", p.kind}});
  }
}

void Replicator::Start() {
  for (auto& f : flows_) f->Start();
}

void Replicator::Stop() {
  for (auto& f : flows_) f->RequestStop();
  for (auto& f : flows_) f->Join();
}

std::vector<FlowSnapshot> Replicator::Snapshots() const {
  std::vector<FlowSnapshot> out;
  for (const auto& f : flows_) out.push_back(f->Snapshot());
  return out;
}

bool Replicator::Healthy() const {
  for (const auto& f : flows_) {
    if (!f->Healthy()) return false;
  }
  return true;
}

std::string Replicator::StatusJson() const {
  int64_t now = NowMs();
  nlohmann::json flows = nlohmann::json::array();
  std::vector<FlowSnapshot> snapshots = Snapshots();
  for (const FlowSnapshot& s : snapshots) {
    nlohmann::json topics = nlohmann::json::array();
    for (const TopicStatus& t : s.topics) {
      topics.push_back({{"topic", t.source_topic},
                        {"remote_topic", t.remote_topic},
                        {"source_partitions", t.source_partitions},
                        {"target_partitions", t.target_partitions},
                        {"state", t.error.empty() ? "mirroring" : "error"},
                        {"error", t.error}});
    }
    nlohmann::json partitions = nlohmann::json::array();
    for (const auto& p : s.partitions) partitions.push_back(PartitionJson(*p, now));
    FlowTotals totals = Totals(s, now);
    nlohmann::json groups = nlohmann::json::array();
    for (const offsets::GroupStatus& g : s.groups) {
      groups.push_back({{"group", g.group},
                        {"state", g.state},
                        {"detail", g.detail},
                        {"partitions", g.partitions},
                        {"synced_at_ms", g.synced_at_ms}});
    }
    flows.push_back({{"name", s.name},
                     {"source", s.source},
                     {"target", s.target},
                     {"state", s.state},
                     {"source_error", s.source_error},
                     {"target_error", s.target_error},
                     {"records", totals.records},
                     {"bytes", totals.bytes},
                     {"lag_records", totals.lag},
                     {"lag_seconds", totals.lag_seconds},
                     {"inflight_bytes", s.inflight_bytes},
                     {"records_expired_at_source", s.records_expired},
                     {"checkpoints_written", s.checkpoints_written},
                     {"heartbeats_written", s.heartbeats.written_to_target},
                     {"heartbeats_written_to_source", s.heartbeats.written_to_source},
                     {"topics", topics},
                     {"groups", groups},
                     {"acls", AclSyncJson(s.acls)},
                     {"partitions", partitions}});
  }
  return nlohmann::json{{"flows", flows}, {"topology", TopologyJson(snapshots, now)}}.dump(2);
}

nlohmann::json Replicator::TopologyJson(const std::vector<FlowSnapshot>& snapshots,
                                        int64_t now_ms) const {
  std::set<std::string> clusters;
  nlohmann::json edges = nlohmann::json::array();
  for (size_t i = 0; i < snapshots.size(); ++i) {
    const FlowSnapshot& s = snapshots[i];
    const config::FlowConfig& f = configs_[i];
    clusters.insert(f.source);
    clusters.insert(f.target);
    FlowTotals totals = Totals(s, now_ms);
    nlohmann::json heartbeat_lag = nullptr;  // none arrived yet
    if (s.heartbeats.newest_arrived_ms > 0) {
      heartbeat_lag = std::max<int64_t>(0, now_ms - s.heartbeats.newest_arrived_ms) / 1000.0;
    }
    edges.push_back({{"flow", s.name},
                     {"source", f.source},
                     {"target", f.target},
                     {"naming", NamingName(f.naming)},
                     {"forward", ForwardName(f.forward)},
                     {"provenance_headers", f.provenance_headers},
                     {"state", s.state},
                     {"records", totals.records},
                     {"lag_records", totals.lag},
                     {"lag_seconds", heartbeat_lag},
                     {"record_lag_seconds", totals.lag_seconds},
                     {"loop_records_dropped", totals.loops},
                     {"not_local_records_skipped", totals.not_local},
                     {"heartbeat_error", s.heartbeats.error}});
  }
  nlohmann::json problems = nlohmann::json::array();
  for (const TopologyProblem& p : problems_) {
    problems.push_back({{"kind", p.kind}, {"severity", p.severity}, {"message", p.message}});
  }
  return {{"clusters", clusters}, {"edges", edges}, {"problems", problems}};
}

std::string Replicator::Metrics() const {
  using metrics::Type;
  int64_t now = NowMs();
  std::vector<FlowSnapshot> snapshots = Snapshots();
  metrics::Exposition e;

  e.Family("strait_records_mirrored_total", Type::kCounter,
           "Records acknowledged by the target cluster, per flow and source topic.");
  e.Family("strait_bytes_mirrored_total", Type::kCounter,
           "Key, value and header bytes of those records.");
  for (const FlowSnapshot& s : snapshots) {
    std::map<std::string, std::pair<int64_t, int64_t>> by_topic;
    for (const auto& p : s.partitions) {
      by_topic[p->source_topic()].first += p->records.load();
      by_topic[p->source_topic()].second += p->bytes.load();
    }
    for (const auto& [topic, counts] : by_topic) {
      e.Sample("strait_records_mirrored_total", {{"flow", s.name}, {"topic", topic}}, counts.first);
      e.Sample("strait_bytes_mirrored_total", {{"flow", s.name}, {"topic", topic}}, counts.second);
    }
  }
  e.Family("strait_partition_lag_records", Type::kGauge,
           "Source high watermark minus the first source offset not yet on the target.");
  e.Family("strait_partition_lag_seconds", Type::kGauge,
           "Age of the oldest source record not yet acknowledged by the target.");
  e.Family(
      "strait_partition_up", Type::kGauge,
      "1 while a partition is mirroring or throttled, 0 while resuming or stopped by an error.");
  for (const FlowSnapshot& s : snapshots) {
    for (const auto& p : s.partitions) {
      metrics::Labels l = {{"flow", s.name},
                           {"topic", p->source_topic()},
                           {"partition", std::to_string(p->partition())}};
      e.Sample("strait_partition_lag_records", l, p->LagRecords());
      e.Sample("strait_partition_lag_seconds", l, p->LagSeconds(now));
      PartitionPhase phase = p->phase();
      e.Sample("strait_partition_up", l,
               int64_t{phase == PartitionPhase::kMirroring || phase == PartitionPhase::kThrottled});
    }
  }
  e.Family("strait_errors_total", Type::kCounter,
           "Failed deliveries to the target, per flow and source topic.");
  e.Family("strait_topic_errors", Type::kGauge, "Topics a flow cannot mirror (see /status).");
  e.Family("strait_flow_connected", Type::kGauge, "1 when the flow reached both clusters.");
  e.Family("strait_inflight_bytes", Type::kGauge,
           "Bytes sent to the target, not yet acknowledged.");
  e.Family("strait_refetched_records_dropped_total", Type::kCounter,
           "Records the source consumer delivered twice and strait dropped.");
  e.Family("strait_producer_resets_total", Type::kCounter,
           "Times the target producer hit a fatal error and was replaced.");
  e.Family("strait_records_expired_total", Type::kCounter,
           "Records deleted at the source (retention) before they were mirrored.");
  e.Family("strait_records_filtered_total", Type::kCounter,
           "Records not written because they had been on the target cluster (loop prevention).");
  e.Family("strait_checkpoints_written_total", Type::kCounter,
           "MirrorMaker 2 checkpoints written to <source>.checkpoints.internal on the target.");
  e.Family("strait_heartbeats_written_total", Type::kCounter,
           "MirrorMaker 2 heartbeats written to the target's heartbeats topic.");
  e.Family("strait_heartbeat_lag_seconds", Type::kGauge,
           "Age of the newest source heartbeat that reached the target: end-to-end lag, "
           "including up to one heartbeat interval.");
  e.Family("strait_records_not_local_total", Type::kCounter,
           "Records skipped because forward: local and they were mirrored into the source.");
  e.Family("strait_groups", Type::kGauge,
           "Consumer groups by offset-sync state: synced, active-on-target, waiting, error.");
  e.Family("strait_acls_mirrored", Type::kGauge,
           "Target ACLs that mirror source ACLs after the last ACL sync round.");
  e.Family("strait_acl_sync_failing", Type::kGauge, "1 while the last ACL sync round failed.");
  for (const FlowSnapshot& s : snapshots) {
    std::map<std::string, std::array<int64_t, 3>> by_topic;  // errors, filtered, not local
    for (const auto& p : s.partitions) {
      std::array<int64_t, 3>& c = by_topic[p->source_topic()];
      c[0] += p->errors.load();
      c[1] += p->filtered.load();
      c[2] += p->not_local.load();
    }
    metrics::Labels flow = {{"flow", s.name}};
    for (const auto& [topic, counts] : by_topic) {
      e.Sample("strait_errors_total", {{"flow", s.name}, {"topic", topic}}, counts[0]);
      e.Sample("strait_records_filtered_total", {{"flow", s.name}, {"topic", topic}}, counts[1]);
      e.Sample("strait_records_not_local_total", {{"flow", s.name}, {"topic", topic}}, counts[2]);
    }
    e.Sample("strait_topic_errors", flow, s.topic_errors);
    e.Sample("strait_flow_connected", flow,
             int64_t{s.state == "running" && s.source_error.empty() && s.target_error.empty()});
    e.Sample("strait_inflight_bytes", flow, s.inflight_bytes);
    e.Sample("strait_refetched_records_dropped_total", flow, s.dropped_duplicates);
    e.Sample("strait_producer_resets_total", flow, s.producer_resets);
    e.Sample("strait_records_expired_total", flow, s.records_expired);
    e.Sample("strait_checkpoints_written_total", flow, s.checkpoints_written);
    e.Sample("strait_heartbeats_written_total", flow, s.heartbeats.written_to_target);
    if (s.heartbeats.newest_arrived_ms > 0) {
      e.Sample("strait_heartbeat_lag_seconds", flow,
               std::max<int64_t>(0, now - s.heartbeats.newest_arrived_ms) / 1000.0);
    }
    if (s.acls) {
      e.Sample("strait_acls_mirrored", flow, s.acls->bindings);
      e.Sample("strait_acl_sync_failing", flow, int64_t{s.acls->state == "error"});
    }
    std::map<std::string, int64_t> by_state = {
        {"synced", 0}, {"active-on-target", 0}, {"waiting", 0}, {"error", 0}};
    for (const offsets::GroupStatus& g : s.groups) ++by_state[g.state];
    for (const auto& [state, n] : by_state) {
      e.Sample("strait_groups", {{"flow", s.name}, {"state", state}}, n);
    }
  }
  return e.Text();
}

}  // namespace strait::replication
