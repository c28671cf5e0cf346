#include <nlohmann/json.hpp>
#include <set>

#include "status/render.h"

namespace strait::status {
namespace {

using replication::FlowSnapshot;
using replication::PartitionState;
using replication::TopicStatus;
using replication::TopologyProblem;

// null until the source's log was found truncated below what had been read.
nlohmann::json TruncationJson(const PartitionState& p) {
  const std::optional<PartitionState::SourceTruncation> t = p.truncation();
  if (!t) return nullptr;
  auto offset = [](SourceOffset o) {
    return o.value() >= 0 ? nlohmann::json(o.value()) : nlohmann::json(nullptr);
  };
  return {{"mirrored_up_to", offset(t->mirrored_up_to)},
          {"truncated_at", offset(t->diverges_at)},
          {"restarted_at", offset(t->restarted_at)},
          {"detected_by", t->detected_by}};
}

nlohmann::json PartitionJson(const PartitionState& p, int64_t now) {
  const std::string stalled = p.Stalled(now);
  const std::optional<int64_t> lag = p.KnownLagRecords(now);
  return {{"topic", p.source_topic()},
          {"partition", p.partition().value()},
          {"remote_topic", p.remote_topic()},
          {"state", replication::PartitionStateName(p.stage(), p.throttled(), !stalled.empty())},
          {"error", p.error()},
          {"stalled", stalled},
          {"next_source_offset", p.acked_next.load().value()},
          {"source_high_watermark", p.SourceHigh().value()},
          {"lag_records", lag ? nlohmann::json(*lag) : nlohmann::json(nullptr)},
          {"lag_seconds", p.LagSeconds(now)},
          {"records", p.records.load()},
          {"bytes", p.bytes.load()},
          {"inflight_records", p.inflight_records.load()},
          {"last_target_offset", p.target_last_offset.load().value()},
          {"filtered_loop_records", p.filtered.load()},
          {"skipped_not_local_records", p.not_local.load()},
          {"source_truncation", TruncationJson(p)}};
}

nlohmann::json AclSyncJson(const std::optional<acl::AclSyncStatus>& acls) {
  if (!acls) return {{"state", "off"}};
  return {{"state", acls->state},
          {"detail", acls->detail},
          {"bindings", acls->bindings},
          {"created_total", acls->created_total},
          {"removed_total", acls->removed_total}};
}

nlohmann::json TopicPartitionsJson(const std::vector<kafka::TopicPartition>& partitions) {
  nlohmann::json out = nlohmann::json::array();
  for (const kafka::TopicPartition& tp : partitions) {
    out.push_back({{"topic", tp.topic}, {"partition", tp.partition}});
  }
  return out;
}

// The instances sharing the flow (replication/membership.h); null without group.enabled.
nlohmann::json GroupJson(const std::optional<replication::GroupStatus>& group) {
  if (!group) return nullptr;
  nlohmann::json members = nlohmann::json::array();
  for (const replication::GroupMemberStatus& m : group->members) {
    members.push_back({{"instance", m.instance_id},
                       {"member_id", m.member_id},
                       {"host", m.host},
                       {"self", m.self},
                       {"same_definition", m.same_definition},
                       {"partitions", TopicPartitionsJson(m.partitions)}});
  }
  return {{"group", group->group_id},        {"instance", group->instance_id},
          {"member_id", group->member_id},   {"generation", group->generation},
          {"rebalances", group->rebalances}, {"last_rebalance_ms", group->last_rebalance_ms},
          {"error", group->error},           {"instances", members}};
}

// The replication graph: one edge per flow with its end-to-end lag, and the problems of its
// shape (replication/topology.h).
nlohmann::json TopologyJson(const View& view) {
  const int64_t now_ms = view.now_ms;
  std::set<std::string> clusters;
  nlohmann::json edges = nlohmann::json::array();
  for (size_t i = 0; i < view.flows.size(); ++i) {
    const FlowSnapshot& s = view.flows[i];
    const config::FlowConfig& f = view.configs[i];
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
                     {"naming", replication::NamingName(f.naming)},
                     {"forward", replication::ForwardName(f.forward)},
                     {"provenance_headers", f.provenance_headers},
                     {"state", replication::FlowStateName(s.state)},
                     {"records", totals.records},
                     {"lag_records", totals.lag},
                     {"lag_unknown_partitions", totals.lag_unknown},
                     {"stalled_partitions", totals.stalled},
                     {"lag_seconds", heartbeat_lag},
                     {"record_lag_seconds", totals.lag_seconds},
                     {"loop_records_dropped", totals.loops},
                     {"not_local_records_skipped", totals.not_local},
                     {"heartbeat_error", s.heartbeats.error},
                     {"group", GroupJson(s.group)}});
  }
  nlohmann::json problems = nlohmann::json::array();
  for (const TopologyProblem& p : view.problems) {
    problems.push_back({{"kind", p.kind}, {"severity", p.severity}, {"message", p.message}});
  }
  return {{"clusters", clusters}, {"edges", edges}, {"problems", problems}};
}

}  // namespace

std::string StatusJson(const View& view) {
  const int64_t now = view.now_ms;
  nlohmann::json flows = nlohmann::json::array();
  for (const FlowSnapshot& s : view.flows) {
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
      nlohmann::json positions = nlohmann::json::array();
      for (const offsets::GroupPosition& p : g.positions) {
        positions.push_back({{"topic", p.topic},
                             {"partition", p.partition},
                             {"source_topic", p.source_topic},
                             {"source_offset", p.source_offset.value()},
                             {"target_offset", p.target_offset.value()}});
      }
      groups.push_back({{"group", g.group},
                        {"state", offsets::GroupSyncStateName(g.state)},
                        {"detail", g.detail},
                        {"partitions", g.partitions},
                        {"synced_at_ms", g.synced_at_ms},
                        {"positions", positions}});
    }
    flows.push_back({{"name", s.name},
                     {"source", s.source},
                     {"target", s.target},
                     {"state", replication::FlowStateName(s.state)},
                     {"source_error", s.source_error},
                     {"target_error", s.target_error},
                     {"records", totals.records},
                     {"bytes", totals.bytes},
                     {"lag_records", totals.lag},
                     {"lag_seconds", totals.lag_seconds},
                     {"lag_unknown_partitions", totals.lag_unknown},
                     {"stalled_partitions", totals.stalled},
                     {"inflight_bytes", s.inflight_bytes},
                     {"records_expired_at_source", s.records_expired},
                     {"source_truncations", s.source_truncations},
                     {"checkpoints_written", s.checkpoints_written},
                     {"heartbeats_written", s.heartbeats.written_to_target},
                     {"heartbeats_written_to_source", s.heartbeats.written_to_source},
                     {"topics", topics},
                     {"groups", groups},
                     {"acls", AclSyncJson(s.acls)},
                     {"group", GroupJson(s.group)},
                     {"partitions", partitions}});
  }
  return nlohmann::json{{"flows", flows}, {"topology", TopologyJson(view)}}.dump(2);
}

}  // namespace strait::status
