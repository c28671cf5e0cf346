// Findings about one topic: its min.insync.replicas and placement against the rules in
// audit/rules.h, and its current state (offline, under min ISR, ISR inside one DC).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>

#include "audit/findings.h"
#include "audit/rules.h"

namespace strait::audit {
namespace {

std::string Subject(const Topic& t) {
  return fmt::format("{} {}", t.internal ? "internal topic" : "topic", t.name);
}

std::string SetMinIsr(const Topic& t, int m) {
  return fmt::format(
      "kafka-configs --bootstrap-server <host:port> --alter --entity-type topics "
      "--entity-name {} --add-config min.insync.replicas={}",
      t.name, m);
}

// "partitions 0,1,2" or "partitions 0,1,2,... (40 in all)".
std::string PartitionList(const std::vector<int32_t>& ids) {
  constexpr size_t kShown = 8;
  if (ids.size() <= kShown) return fmt::format("partition(s) {}", fmt::join(ids, ","));
  std::vector<int32_t> head(ids.begin(), ids.begin() + kShown);
  return fmt::format("partitions {},... ({} in all)", fmt::join(head, ","), ids.size());
}

// The fix that makes the topic follow the rules, with a reassignment when placement is wrong.
std::string RuleFix(const Topic& t, const TopicAdvice& a) {
  std::string fix;
  if (a.needs_reassignment) {
    fix = fmt::format(
        "reassign to RF {} with at most {} replica(s) per DC (the report's "
        "reassignment plan; kafka-reassign-partitions --execute), then ",
        a.target_rf, a.target_r_max);
  }
  return fix + SetMinIsr(t, a.recommended_min_isr);
}

// Returns whether some partition keeps every replica in one DC (which says it all).
bool AddPlacementFindings(const ClusterDescription& c, const Topic& t, const TopicAdvice& a,
                          std::vector<Finding>* out) {
  std::vector<int32_t> one_dc;
  for (const Partition& p : t.partitions) {
    Spread s = SpreadOf(c, p);
    if (!p.replicas.empty() && s.unknown == 0 && s.per_dc.size() == 1) one_dc.push_back(p.id);
  }
  if (!one_dc.empty()) {
    out->push_back({Severity::kHigh, "replicas-in-one-dc", Subject(t),
                    fmt::format("{} keep every replica in one DC: losing it takes them offline",
                                PartitionList(one_dc)),
                    RuleFix(t, a)});
    return true;
  }
  // Otherwise the min ISR finding carries the reassignment, unless the topic is fine as is.
  if (a.needs_reassignment && a.mode == TopicMode::kSurvivesDcLoss) {
    out->push_back({Severity::kMedium, "uneven-placement", Subject(t),
                    fmt::format("one DC holds {} replicas of a partition; an even spread of RF {} "
                                "holds at most {}",
                                a.r_max, a.target_rf, a.target_r_max),
                    RuleFix(t, a)});
  }
  return false;
}

void AddMinIsrFindings(const Topic& t, const TopicAdvice& a, std::vector<Finding>* out) {
  if (t.min_isr > a.rf) {
    out->push_back({Severity::kHigh, "min-isr-above-rf", Subject(t),
                    fmt::format("min.insync.replicas={} exceeds RF {}: since Kafka 3.7 the "
                                "effective value is RF, so any replica down blocks acks=all "
                                "(before 3.7 every acks=all write failed)",
                                t.min_isr, a.rf),
                    RuleFix(t, a)});
  } else if (t.min_isr == a.rf && a.rf > 1) {
    out->push_back(
        {Severity::kMedium, "min-isr-equals-rf", Subject(t),
         fmt::format("min.insync.replicas equals RF {}: one replica down blocks "
                     "acks=all",
                     a.rf),
         a.dcs == 2 ? "two DCs: use an even RF (RF 4 = 2+2 with min ISR 3)" : RuleFix(t, a)});
  }
  if (t.unclean_leader_election && t.min_isr > a.r_max) {
    out->push_back({Severity::kMedium, "unclean-contradicts-min-isr", Subject(t),
                    "unclean.leader.election.enable=true contradicts a consistency-first min ISR: "
                    "the unclean election throws away what min ISR protected",
                    fmt::format("kafka-configs --bootstrap-server <host:port> --alter "
                                "--entity-type topics --entity-name {} --delete-config "
                                "unclean.leader.election.enable",
                                t.name)});
  }
}

void AddModeFinding(const Topic& t, const TopicAdvice& a, std::vector<Finding>* out) {
  std::string at = fmt::format("a DC holds {} replica(s) and min ISR is {}", a.r_max, t.min_isr);
  switch (a.mode) {
    case TopicMode::kSurvivesDcLoss:
      return;
    case TopicMode::kAtRisk:
      if (t.min_isr <= 1) {
        out->push_back({Severity::kHigh, "min-isr-1", Subject(t),
                        "min.insync.replicas=1: acks=all silently degrades to acks=1 once the "
                        "ISR is just the leader, and the ISR may shrink into one DC",
                        RuleFix(t, a)});
        return;
      }
      out->push_back({Severity::kHigh, "dc-holds-min-isr", Subject(t),
                      at + ": the ISR is not rack-aware and can shrink into that DC; losing it "
                           "then takes the partition offline until an unclean election, which "
                           "loses acknowledged records",
                      a.dcs == 2
                          ? fmt::format("consistency first: {}; or availability first: "
                                        "unclean.leader.election.enable=true (accepts the loss)",
                                        SetMinIsr(t, a.recommended_min_isr))
                          : RuleFix(t, a)});
      return;
    case TopicMode::kAvailabilityFirst:
      out->push_back({Severity::kMedium, "availability-first", Subject(t),
                      at + " with unclean election on: a DC loss keeps writes going, but loses "
                           "acks=all records if the ISR had shrunk into the lost DC",
                      fmt::format("if losing records is not acceptable: consistency first, {} "
                                  "and unclean.leader.election.enable=false",
                                  SetMinIsr(t, a.recommended_min_isr))});
      return;
    case TopicMode::kConsistencyFirst:
      if (a.dcs >= 3) {
        out->push_back({Severity::kHigh, "dc-loss-blocks-writes", Subject(t),
                        at + fmt::format(": losing that DC leaves {} replica(s), fewer than min "
                                         "ISR, so acks=all fails (ACKS1-ONLY)",
                                         a.rf - a.r_max),
                        RuleFix(t, a)});
      } else if (a.dcs == 2) {
        out->push_back({Severity::kInfo, "consistency-first", Subject(t),
                        at + ": consistency first; losing a DC leaves the topic ACKS1-ONLY until "
                             "min ISR is lowered or replicas are reassigned",
                        fmt::format("during a DC outage, if writes matter more than the second "
                                    "copy: {}",
                                    SetMinIsr(t, a.availability_min_isr))});
      }
      return;
  }
}

}  // namespace

std::vector<Finding> TopicFindings(const ClusterDescription& c, const Topic& t) {
  std::vector<Finding> out;
  if (t.partitions.empty()) return out;
  TopicAdvice a = AdviseTopic(c, t);
  if (a.dcs < 2) return out;  // BrokerFindings reports the single DC once
  bool one_dc = AddPlacementFindings(c, t, a, &out);
  AddMinIsrFindings(t, a, &out);
  if (!one_dc) AddModeFinding(t, a, &out);
  return out;
}

std::vector<Finding> StateFindings(const ClusterDescription& c, const Topic& t) {
  std::vector<int32_t> offline, under, one_dc, elr;
  for (const Partition& p : t.partitions) {
    const Broker* leader = c.FindBroker(p.leader);
    if (leader == nullptr || !leader->registered) {
      offline.push_back(p.id);
    } else if (static_cast<int32_t>(p.isr.size()) < EffectiveMinIsr(t, p)) {
      under.push_back(p.id);
    }
    std::set<std::string> isr_dcs;
    for (BrokerId b : p.isr) isr_dcs.insert(c.BrokerDc(b));
    if (isr_dcs.size() == 1 && !isr_dcs.begin()->empty() && SpreadOf(c, p).per_dc.size() > 1) {
      one_dc.push_back(p.id);
    }
    if (p.elr.has_value() && !p.elr->empty()) elr.push_back(p.id);
  }
  std::vector<Finding> out;
  std::string s = Subject(t);
  if (!offline.empty()) {
    out.push_back({Severity::kHigh, "offline-now", s,
                   fmt::format("{} have no leader now", PartitionList(offline)),
                   "bring the replicas' brokers back; see the baseline scenario"});
  }
  if (!under.empty()) {
    out.push_back({Severity::kHigh, "under-min-isr-now", s,
                   fmt::format("{} are under min ISR now: acks=all fails", PartitionList(under)),
                   "find why followers left the ISR (broker down, lag); see the baseline"});
  }
  if (!one_dc.empty()) {
    out.push_back({Severity::kHigh, "isr-in-one-dc", s,
                   fmt::format("the ISR of {} lies inside one DC now: losing that DC loses the "
                               "only up-to-date copies",
                               PartitionList(one_dc)),
                   "find why the other DCs' followers lag (WAN link, throttles); raise min ISR "
                   "so that the ISR cannot shrink into one DC"});
  }
  if (!elr.empty()) {
    out.push_back({Severity::kInfo, "elr-non-empty", s,
                   fmt::format("{} have Eligible Leader Replicas (from the operator file)",
                               PartitionList(elr)),
                   "none needed; the ELR lets a clean election happen if the ISR is lost"});
  }
  return out;
}

}  // namespace strait::audit
