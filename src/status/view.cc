#include <algorithm>

#include "base/clock.h"
#include "kafka/handles.h"
#include "status/render.h"

namespace strait::status {

View Capture(const replication::Replicator& replicator) {
  replication::Replicator::Flows flows = replicator.Capture();
  return {std::move(flows.snapshots), std::move(flows.configs), std::move(flows.problems), NowMs(),
          kafka::HandlesLeftBehind()};
}

FlowTotals Totals(const replication::FlowSnapshot& s, int64_t now_ms) {
  FlowTotals t;
  for (const auto& p : s.partitions) {
    t.records += p->records.load();
    t.bytes += p->bytes.load();
    const std::optional<int64_t> lag = p->KnownLagRecords(now_ms);
    t.lag += lag.value_or(0);
    t.lag_unknown += lag ? 0 : 1;
    t.stalled += p->Stalled(now_ms).empty() ? 0 : 1;
    t.loops += p->filtered.load();
    t.not_local += p->not_local.load();
    t.lag_seconds = std::max(t.lag_seconds, p->LagSeconds(now_ms));
  }
  return t;
}

}  // namespace strait::status
