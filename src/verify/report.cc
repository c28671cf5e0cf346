#include "verify/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace strait::verify {
namespace {

using nlohmann::ordered_json;

template <typename T>
ordered_json OrNull(const std::optional<T>& v) {
  return v ? ordered_json(v->value()) : ordered_json(nullptr);
}

ordered_json CountsJson(const PartitionCounts& n) {
  return {{"target_records", n.target_records},
          {"other_records", n.other_records},
          {"matched", n.matched},
          {"missing", n.missing},
          {"duplicated", n.duplicated},
          {"out_of_order", n.out_of_order},
          {"different", n.different},
          {"not_in_source", n.not_in_source},
          {"before_source_start", n.before_source_start},
          {"not_yet_mirrored", n.not_yet_mirrored}};
}

void AddCounts(PartitionCounts& sum, const PartitionCounts& n) {
  sum.target_records += n.target_records;
  sum.other_records += n.other_records;
  sum.matched += n.matched;
  sum.missing += n.missing;
  sum.duplicated += n.duplicated;
  sum.out_of_order += n.out_of_order;
  sum.different += n.different;
  sum.not_in_source += n.not_in_source;
  sum.before_source_start += n.before_source_start;
  sum.not_yet_mirrored += n.not_yet_mirrored;
}

ordered_json PartitionJson(const PartitionReport& p) {
  ordered_json findings = ordered_json::array();
  for (const Finding& f : p.match.findings) {
    findings.push_back({{"kind", FindingKindName(f.kind)},
                        {"source_offsets", {f.first.value(), f.last.value()}},
                        {"target_offset", OrNull(f.target)},
                        {"detail", f.detail}});
  }
  const MatchResult& m = p.match;
  return {{"topic", p.topic},
          {"partition", p.partition},
          {"remote_topic", p.remote_topic},
          {"result", VerdictName(p.verdict())},
          {"compacted", p.compacted},
          {"source_log_start", p.source_log_start},
          {"source_end", p.source_end},
          {"target_log_start", p.target_log_start},
          {"target_end", p.target_end},
          {"checked_from", OrNull(m.checked_from)},
          {"last_mirrored", OrNull(m.last_mirrored)},
          {"first_not_mirrored", OrNull(m.first_not_mirrored)},
          {"counts", CountsJson(m.counts)},
          {"findings", findings},
          {"note", m.note},
          {"error", m.error.ok() ? "" : m.error.message()}};
}

PartitionCounts Totals(const Report& report, int* partitions) {
  PartitionCounts sum;
  *partitions = 0;
  for (const FlowReport& f : report.flows) {
    for (const PartitionReport& p : f.partitions) {
      AddCounts(sum, p.match.counts);
      ++*partitions;
    }
  }
  return sum;
}

// "orders[1]: missing: source offsets 120..130"
std::string FindingLine(const PartitionReport& p, const Finding& f) {
  std::string offsets = f.first == f.last ? fmt::format("source offset {}", f.first)
                                          : fmt::format("source offsets {}..{} ({} records)",
                                                        f.first, f.last, f.last - f.first + 1);
  std::string where = f.target ? fmt::format(" at target offset {}", *f.target) : "";
  std::string detail = f.detail.empty() ? "" : ": " + f.detail;
  std::string what = std::string(FindingKindName(f.kind));
  std::replace(what.begin(), what.end(), '_', ' ');
  return fmt::format("  {}[{}]: {}: {}{}{}\n", p.topic, p.partition, what, offsets, where, detail);
}

std::string Range(const MatchResult& m) {
  if (!m.checked_from) return "-";
  if (!m.last_mirrored) return fmt::format("{}..", *m.checked_from);
  return fmt::format("{}..{}", *m.checked_from, *m.last_mirrored);
}

std::string FlowTable(const FlowReport& f) {
  std::string out = fmt::format("flow {} ({} -> {})\n", f.flow, f.source, f.target);
  if (!f.error.empty()) out += fmt::format("  cannot check: {}\n", f.error);
  if (f.partitions.empty()) return out + "  no partitions to check\n";
  size_t width = 5;
  for (const PartitionReport& p : f.partitions) width = std::max(width, p.topic.size());
  out += fmt::format("  {:<{}} {:>5} {:>23} {:>10} {:>8} {:>6} {:>6} {:>7} {:>10}  {}\n", "TOPIC",
                     width, "PART", "CHECKED SOURCE OFFSETS", "MATCHED", "MISSING", "DUPS", "ORDER",
                     "DIFFER", "NOT_YET", "RESULT");
  std::string details;
  for (const PartitionReport& p : f.partitions) {
    const PartitionCounts& n = p.match.counts;
    out += fmt::format("  {:<{}} {:>5} {:>23} {:>10} {:>8} {:>6} {:>6} {:>7} {:>10}  {}\n", p.topic,
                       width, p.partition, Range(p.match), n.matched, n.missing, n.duplicated,
                       n.out_of_order, n.different, n.not_yet_mirrored, VerdictName(p.verdict()));
    for (const Finding& finding : p.match.findings) details += FindingLine(p, finding);
    if (n.not_in_source > 0) {
      details += fmt::format(
          "  {}[{}]: {} target records name source offsets the source does "
          "not hold{}\n",
          p.topic, p.partition, n.not_in_source, p.compacted ? " (compacted topic: expected)" : "");
    }
    if (p.compacted && n.missing > 0) {
      details += fmt::format(
          "  {}[{}]: compacted topic: the {} missing records may have been "
          "compacted away on the target\n",
          p.topic, p.partition, n.missing);
    }
    if (!p.match.note.empty()) {
      details += fmt::format("  {}[{}]: {}\n", p.topic, p.partition, p.match.note);
    }
    if (!p.match.error.ok()) {
      details += fmt::format("  {}[{}]: not fully checked: {}\n", p.topic, p.partition,
                             p.match.error.message());
    }
  }
  return out + details;
}

std::string Summary(const Report& report) {
  int partitions = 0;
  PartitionCounts n = Totals(report, &partitions);
  Verdict v = report.verdict();
  std::string head = fmt::format("result: {} (exit {}): {} partitions, {} records matched",
                                 VerdictName(v), ExitCode(v), partitions, n.matched);
  switch (v) {
    case Verdict::kOk:
      return head + "; nothing missing, duplicated, out of order or different\n";
    case Verdict::kBehind:
      return head + fmt::format(
                        "; {} source records not mirrored yet (run again once strait has "
                        "caught up)\n",
                        n.not_yet_mirrored);
    case Verdict::kIncomplete:
      return head + "; some partitions could not be checked (see above)\n";
    case Verdict::kViolation:
      return head + fmt::format(
                        "; {} missing, {} duplicated, {} out of order, {} different, {} "
                        "not in the source\n",
                        n.missing, n.duplicated, n.out_of_order, n.different, n.not_in_source);
  }
  return head + "\n";
}

}  // namespace

int ExitCode(Verdict verdict) {
  switch (verdict) {
    case Verdict::kViolation:
      return 1;
    case Verdict::kIncomplete:
      return 3;
    case Verdict::kBehind:
      return 4;
    case Verdict::kOk:
      return 0;
  }
  return 1;
}

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kViolation:
      return "violations";
    case Verdict::kIncomplete:
      return "incomplete";
    case Verdict::kBehind:
      return "behind";
    case Verdict::kOk:
      return "ok";
  }
  return "unknown";
}

Verdict PartitionReport::verdict() const {
  const PartitionCounts& n = match.counts;
  bool lost = n.missing > 0 || n.not_in_source > 0;  // compaction explains both
  if (n.duplicated > 0 || n.out_of_order > 0 || n.different > 0 || (lost && !compacted)) {
    return Verdict::kViolation;
  }
  if (!match.error.ok()) return Verdict::kIncomplete;
  if (n.not_yet_mirrored > 0) return Verdict::kBehind;
  return Verdict::kOk;
}

Verdict FlowReport::verdict() const {
  Verdict v = error.empty() ? Verdict::kOk : Verdict::kIncomplete;
  for (const PartitionReport& p : partitions) v = std::min(v, p.verdict());
  return v;
}

Verdict Report::verdict() const {
  Verdict v = Verdict::kOk;
  bool any = false;
  for (const FlowReport& f : flows) {
    v = std::min(v, f.verdict());
    any = any || !f.partitions.empty();
  }
  // Nothing checked proves nothing: a --topics pattern that matched no topic, say.
  return any ? v : std::min(v, Verdict::kIncomplete);
}

std::string ReportJson(const Report& report) {
  ordered_json flows = ordered_json::array();
  for (const FlowReport& f : report.flows) {
    ordered_json parts = ordered_json::array();
    for (const PartitionReport& p : f.partitions) parts.push_back(PartitionJson(p));
    flows.push_back({{"flow", f.flow},
                     {"source", f.source},
                     {"target", f.target},
                     {"result", VerdictName(f.verdict())},
                     {"error", f.error},
                     {"partitions", parts}});
  }
  int partitions = 0;
  PartitionCounts totals = Totals(report, &partitions);
  ordered_json totals_json = CountsJson(totals);
  totals_json["partitions"] = partitions;
  ordered_json j = {{"schema", kReportSchema},
                    {"result", VerdictName(report.verdict())},
                    {"exit_code", ExitCode(report.verdict())},
                    {"totals", totals_json},
                    {"flows", flows}};
  return j.dump(2) + "\n";
}

std::string ReportTable(const Report& report) {
  std::string out;
  for (const FlowReport& f : report.flows) out += FlowTable(f) + "\n";
  return out + Summary(report);
}

}  // namespace strait::verify
