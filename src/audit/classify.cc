// The per-partition decision: which class a partition ends up in once a scenario has settled.
// Each branch names the Kafka mechanism it models; docs/stretched-clusters.md explains them and
// what the real cluster showed.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "audit/world.h"

namespace strait::audit::internal {
namespace {

template <typename Pred>
std::vector<BrokerId> Filter(const std::vector<BrokerId>& ids, Pred keep) {
  std::vector<BrokerId> out;
  std::copy_if(ids.begin(), ids.end(), std::back_inserter(out), keep);
  return out;
}

bool Contains(const std::vector<BrokerId>& ids, BrokerId id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// Kafka's electAnyLeader walks the assignment order, not the ISR order.
BrokerId FirstInAssignment(const std::vector<BrokerId>& replicas,
                           const std::vector<BrokerId>& pool) {
  for (BrokerId r : replicas) {
    if (Contains(pool, r)) return r;
  }
  return kNoLeader;
}

PartitionClass ByIsrSize(size_t isr, int32_t m) {
  return static_cast<int32_t>(isr) >= m ? PartitionClass::kWritable : PartitionClass::kAcks1Only;
}

// Without a controller nothing is fenced, elected or shrunk: leaders keep their old ISR and
// acks=all waits for members that will never answer.
void ClassifyFrozen(const Partition& p, int32_t m, const World& w, PartitionOutcome* o) {
  if (p.leader == kNoLeader || !w.Alive(p.leader)) {
    o->cls = PartitionClass::kOffline;
    o->reason = "the leader is gone and no controller can elect another";
    return;
  }
  o->leader = p.leader;
  bool stuck =
      std::any_of(p.isr.begin(), p.isr.end(), [&](BrokerId b) { return !w.Reaches(p.leader, b); });
  if (stuck) {
    o->cls = PartitionClass::kAcks1Only;
    o->hwm_frozen = true;
    o->reason =
        "ISR members are unreachable and no controller can shrink the ISR: the high "
        "watermark stops";
    return;
  }
  o->cls = ByIsrSize(p.isr.size(), m);
  o->reason = fmt::format("ISR unaffected: {} of min ISR {}", p.isr.size(), m);
}

// The election when no ISR member survives: ELR, then unclean election, else offline.
void ClassifyWithoutIsr(const Topic& t, const Partition& p, int32_t m, const World& w,
                        const std::vector<BrokerId>& ra, PartitionOutcome* o) {
  PartitionClass settled = ByIsrSize(ra.size(), m);
  if (w.elr != ElrState::kDisabled) {
    if (p.elr.has_value()) {
      std::vector<BrokerId> ea = Filter(*p.elr, [&](BrokerId b) { return w.Alive(b); });
      if (!ea.empty()) {
        o->leader = FirstInAssignment(p.replicas, ea);
        o->cls = o->settled = settled;
        o->reason =
            fmt::format("no ISR member survives; ELR member {} is elected cleanly", o->leader);
        return;
      }
    } else if (static_cast<int32_t>(p.isr.size()) < m &&
               std::any_of(ra.begin(), ra.end(), [&](BrokerId b) { return !Contains(p.isr, b); })) {
      // The ELR is non-empty only while the ISR is below min ISR; then a survivor may be in it.
      o->if_elr = settled;
    }
  }
  if (t.unclean_leader_election) {
    o->cls = PartitionClass::kUncleanElection;
    o->settled = settled;
    o->leader = ra.front();
    o->acked_loss = AckedLoss::kCertain;
    o->reason = fmt::format(
        "no ISR member survives; unclean election of {} loses what only the ISR had", o->leader);
    return;
  }
  o->cls = o->settled = PartitionClass::kOfflineUntilUnclean;
  o->acked_loss = AckedLoss::kIfForced;
  o->reason = fmt::format(
      "no ISR member survives; out-of-sync replicas {} cannot be elected "
      "cleanly",
      fmt::join(ra, ","));
}

void ClassifyWithQuorum(const Topic& t, const Partition& p, int32_t m, const World& w,
                        PartitionOutcome* o) {
  std::vector<BrokerId> ia = Filter(p.isr, [&](BrokerId b) { return w.Alive(b); });
  std::vector<BrokerId> ra = Filter(p.replicas, [&](BrokerId b) { return w.Alive(b); });
  if (!ia.empty()) {
    // The old leader stays if it is still valid, else the first ISR survivor in assignment order.
    BrokerId leader = Contains(ia, p.leader) ? p.leader : FirstInAssignment(p.replicas, ia);
    std::vector<BrokerId> isr = Filter(ia, [&](BrokerId b) { return w.Reaches(leader, b); });
    o->leader = leader;
    o->cls = o->settled = ByIsrSize(isr.size(), m);
    o->reason = fmt::format("ISR {} of min ISR {}, leader {}", isr.size(), m, leader);
    return;
  }
  if (ra.empty()) {
    o->cls = o->settled = PartitionClass::kOffline;
    o->reason = "every replica is down or in a failed DC";
    return;
  }
  ClassifyWithoutIsr(t, p, m, w, ra, o);
}

void MarkRisks(const Topic& t, const Partition& p, int32_t m, const World& w, PartitionOutcome* o) {
  int32_t in_failed = static_cast<int32_t>(std::count_if(
      p.replicas.begin(), p.replicas.end(), [&](BrokerId b) { return w.failed.count(b); }));
  // Acked records are lost only if a replica outside the failed DCs can be elected; with no
  // survivor the partition just waits for the DC.
  bool survivor =
      std::any_of(p.replicas.begin(), p.replicas.end(), [&](BrokerId b) { return w.Alive(b); });
  if (w.quorum.state != QuorumState::kLost && survivor && in_failed > 0 && in_failed >= m) {
    o->static_risk = true;
    AckedLoss floor = t.unclean_leader_election ? AckedLoss::kPossible : AckedLoss::kIfForced;
    o->acked_loss = std::max(o->acked_loss, floor);
  }
  o->acks1_window = p.leader != kNoLeader && w.failed.count(p.leader) != 0;
  o->zombie_acks1 = p.leader != kNoLeader && w.zombies.count(p.leader) != 0;
}

}  // namespace

PartitionOutcome Classify(const Topic& topic, const Partition& partition, const World& world) {
  PartitionOutcome o;
  o.topic = topic.name;
  o.partition = partition.id;
  int32_t m = EffectiveMinIsr(topic, partition);
  if (world.quorum.state == QuorumState::kLost) {
    ClassifyFrozen(partition, m, world, &o);
    o.settled = o.cls;
  } else {
    ClassifyWithQuorum(topic, partition, m, world, &o);
  }
  MarkRisks(topic, partition, m, world, &o);
  return o;
}

}  // namespace strait::audit::internal
