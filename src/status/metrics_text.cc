#include <algorithm>
#include <array>
#include <map>

#include "metrics/exposition.h"
#include "status/render.h"

namespace strait::status {

using replication::FlowSnapshot;

std::string MetricsText(const View& view) {
  using metrics::Type;
  const int64_t now = view.now_ms;
  metrics::Exposition e;

  e.Family("strait_records_mirrored_total", Type::kCounter,
           "Records acknowledged by the target cluster, per flow and source topic.");
  e.Family("strait_bytes_mirrored_total", Type::kCounter,
           "Key, value and header bytes of those records.");
  for (const FlowSnapshot& s : view.flows) {
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
           "Source high watermark minus the first source offset not yet on the target; absent "
           "while it cannot be measured (strait_partition_lag_unknown).");
  e.Family("strait_partition_lag_unknown", Type::kGauge,
           "1 while a partition's lag cannot be measured: the source has not answered for its "
           "end offset lately.");
  e.Family("strait_partition_stalled", Type::kGauge,
           "1 for each mirroring partition that is stalled: no progress while the source is "
           "ahead (reason no_progress), or its lag unknown for long (lag_unknown).");
  e.Family("strait_partition_lag_seconds", Type::kGauge,
           "Age of the oldest source record not yet acknowledged by the target.");
  e.Family(
      "strait_partition_up", Type::kGauge,
      "1 while a partition is mirroring or throttled, 0 while resuming or stopped by an error.");
  e.Family("strait_partition_stopped", Type::kGauge,
           "1 for each partition stopped by an error, labelled with the error's class; the "
           "message is in /status.");
  for (const FlowSnapshot& s : view.flows) {
    for (const auto& p : s.partitions) {
      metrics::Labels l = {{"flow", s.name},
                           {"topic", p->source_topic()},
                           {"partition", std::to_string(p->partition().value())}};
      const std::optional<int64_t> lag = p->KnownLagRecords(now);
      if (lag) e.Sample("strait_partition_lag_records", l, *lag);
      e.Sample("strait_partition_lag_unknown", l, int64_t{!lag});
      e.Sample("strait_partition_lag_seconds", l, p->LagSeconds(now));
      std::string stall_kind;
      if (!p->Stalled(now, &stall_kind).empty()) {
        metrics::Labels stalled = l;
        stalled.push_back({"reason", stall_kind});
        e.Sample("strait_partition_stalled", stalled, int64_t{1});
      }
      const replication::PartitionStage stage = p->stage();
      e.Sample("strait_partition_up", l, int64_t{stage == replication::PartitionStage::kRunning});
      if (stage == replication::PartitionStage::kStopping ||
          stage == replication::PartitionStage::kStopped) {
        const std::string reason = p->reason();
        l.push_back({"reason", reason.empty() ? "unknown" : reason});
        e.Sample("strait_partition_stopped", l, int64_t{1});
      }
    }
  }
  e.Family("strait_errors_total", Type::kCounter,
           "Failed deliveries to the target, per flow and source topic.");
  e.Family("strait_topic_errors", Type::kGauge, "Topics a flow cannot mirror (see /status).");
  e.Family("strait_flow_connected", Type::kGauge, "1 when the flow reached both clusters.");
  e.Family("strait_inflight_bytes", Type::kGauge,
           "Bytes sent to the target, not yet acknowledged.");
  e.Family("strait_inflight_records", Type::kGauge,
           "Records sent to the target, not yet acknowledged.");
  e.Family("strait_data_loop_seconds_total", Type::kCounter,
           "Time the flow's data thread spent working on records (working), waiting for the "
           "source to deliver (waiting_fetch) and waiting for the target to acknowledge "
           "(waiting_produce).");
  e.Family("strait_refetched_records_dropped_total", Type::kCounter,
           "Records the source consumer delivered twice and strait dropped.");
  e.Family("strait_producer_resets_total", Type::kCounter,
           "Times the target producer hit a fatal error and was replaced.");
  e.Family("strait_kafka_handles_left_behind_total", Type::kCounter,
           "librdkafka handles that did not close within 10 s after a group call on them timed "
           "out (librdkafka 2.15.1), left with their threads and memory.");
  e.Sample("strait_kafka_handles_left_behind_total", {}, view.kafka_handles_left_behind);
  e.Family("strait_transactions_rewound_total", Type::kCounter,
           "Group mode: transactions the target refused after a rebalance, aborted and sent "
           "again from where they began.");
  e.Family("strait_records_expired_total", Type::kCounter,
           "Records deleted at the source (retention) before they were mirrored.");
  e.Family("strait_source_truncations_total", Type::kCounter,
           "Times a source partition's log was found truncated below what strait had read "
           "(an unclean leader election at the source).");
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
  e.Family("strait_group_generation", Type::kGauge,
           "Generation of the flow's instance group this instance last joined (group.enabled).");
  e.Family("strait_group_rebalances_total", Type::kCounter,
           "Assignments, revokes and losses this instance took from the flow's group.");
  e.Family("strait_group_instances", Type::kGauge, "Instances in the flow's group.");
  e.Family("strait_group_partitions_owned", Type::kGauge,
           "Partitions of the flow this instance mirrors, labelled with its instance id.");
  for (const FlowSnapshot& s : view.flows) {
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
             int64_t{s.state == replication::FlowState::kRunning && s.source_error.empty() &&
                     s.target_error.empty()});
    e.Sample("strait_inflight_bytes", flow, s.inflight_bytes);
    int64_t inflight_records = 0;
    for (const auto& p : s.partitions) inflight_records += p->inflight_records.load();
    e.Sample("strait_inflight_records", flow, inflight_records);
    for (replication::LoopState state : replication::kLoopStates) {
      e.Sample("strait_data_loop_seconds_total",
               {{"flow", s.name}, {"state", std::string(replication::LoopStateName(state))}},
               s.data_loop_seconds[static_cast<size_t>(state)]);
    }
    e.Sample("strait_refetched_records_dropped_total", flow, s.dropped_duplicates);
    e.Sample("strait_producer_resets_total", flow, s.producer_resets);
    e.Sample("strait_transactions_rewound_total", flow, s.transactions_rewound);
    e.Sample("strait_records_expired_total", flow, s.records_expired);
    e.Sample("strait_source_truncations_total", flow, s.source_truncations);
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
    if (s.group) {
      e.Sample("strait_group_generation", flow, int64_t{s.group->generation});
      e.Sample("strait_group_rebalances_total", flow, s.group->rebalances);
      e.Sample("strait_group_instances", flow, static_cast<int64_t>(s.group->members.size()));
      e.Sample("strait_group_partitions_owned",
               {{"flow", s.name}, {"instance", s.group->instance_id}},
               static_cast<int64_t>(s.partitions.size()));
    }
    std::map<offsets::GroupSyncState, int64_t> by_state = {
        {offsets::GroupSyncState::kSynced, 0},
        {offsets::GroupSyncState::kActiveOnTarget, 0},
        {offsets::GroupSyncState::kWaiting, 0},
        {offsets::GroupSyncState::kError, 0}};
    for (const offsets::GroupStatus& g : s.groups) ++by_state[g.state];
    for (const auto& [state, n] : by_state) {
      e.Sample("strait_groups",
               {{"flow", s.name}, {"state", std::string(offsets::GroupSyncStateName(state))}}, n);
    }
  }
  return e.Text();
}

}  // namespace strait::status
