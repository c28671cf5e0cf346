#include "verify/report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace strait::verify {
namespace {

PartitionReport Partition(int32_t p, int64_t matched) {
  PartitionReport r;
  r.topic = "orders";
  r.partition = p;
  r.remote_topic = "dc1.orders";
  r.source_end = matched;
  r.target_end = matched;
  r.match.counts.matched = r.match.counts.target_records = matched;
  r.match.checked_from = SourceOffset(0);
  if (matched > 0) r.match.last_mirrored = SourceOffset(matched - 1);
  return r;
}

Report OneFlow(std::vector<PartitionReport> partitions) {
  Report report;
  report.flows.push_back({"dc1->dc2", "dc1", "dc2", "", std::move(partitions)});
  return report;
}

TEST(VerifyReport, VerdictsAndExitCodes) {
  PartitionReport ok = Partition(0, 10);
  EXPECT_EQ(ok.verdict(), Verdict::kOk);
  PartitionReport behind = ok;
  behind.match.counts.not_yet_mirrored = 3;
  EXPECT_EQ(behind.verdict(), Verdict::kBehind);
  PartitionReport cut_short = behind;
  cut_short.match.error = Timeout("nothing read");
  EXPECT_EQ(cut_short.verdict(), Verdict::kIncomplete);
  PartitionReport lost = cut_short;
  lost.match.counts.missing = 1;
  EXPECT_EQ(lost.verdict(), Verdict::kViolation);  // what was found counts, even cut short

  EXPECT_EQ(ExitCode(OneFlow({ok, ok}).verdict()), 0);
  EXPECT_EQ(ExitCode(OneFlow({ok, behind}).verdict()), 4);
  EXPECT_EQ(ExitCode(OneFlow({behind, cut_short}).verdict()), 3);
  EXPECT_EQ(ExitCode(OneFlow({cut_short, lost, ok}).verdict()), 1);
}

TEST(VerifyReport, CompactionExplainsMissingButNotDuplicates) {
  PartitionReport p = Partition(0, 10);
  p.compacted = true;
  p.match.counts.missing = 4;
  p.match.counts.not_in_source = 2;
  EXPECT_EQ(p.verdict(), Verdict::kOk);
  p.match.counts.duplicated = 1;
  EXPECT_EQ(p.verdict(), Verdict::kViolation);
}

TEST(VerifyReport, NothingCheckedIsIncomplete) {
  EXPECT_EQ(OneFlow({}).verdict(), Verdict::kIncomplete);
  Report unreachable = OneFlow({});
  unreachable.flows[0].error = "cannot reach dc1 at x:1";
  EXPECT_EQ(unreachable.flows[0].verdict(), Verdict::kIncomplete);
}

TEST(VerifyReport, JsonCarriesCountsRangesAndFindings) {
  PartitionReport p = Partition(1, 100);
  p.match.counts.missing = 2;
  p.match.findings.push_back(
      {Finding::Kind::kMissing, SourceOffset(40), SourceOffset(41), std::nullopt, ""});
  p.match.findings.push_back(
      {Finding::Kind::kDuplicated, SourceOffset(7), SourceOffset(7), TargetOffset(95), ""});
  nlohmann::json j = nlohmann::json::parse(ReportJson(OneFlow({p})));
  EXPECT_EQ(j["schema"], "strait.verify.report/1");
  EXPECT_EQ(j["result"], "violations");
  EXPECT_EQ(j["exit_code"], 1);
  EXPECT_EQ(j["totals"]["missing"], 2);
  EXPECT_EQ(j["totals"]["partitions"], 1);
  const nlohmann::json& part = j["flows"][0]["partitions"][0];
  EXPECT_EQ(part["remote_topic"], "dc1.orders");
  EXPECT_EQ(part["checked_from"], 0);
  EXPECT_EQ(part["last_mirrored"], 99);
  EXPECT_TRUE(part["first_not_mirrored"].is_null());
  EXPECT_EQ(part["findings"][0]["kind"], "missing");
  EXPECT_EQ(part["findings"][0]["source_offsets"], nlohmann::json({40, 41}));
  EXPECT_TRUE(part["findings"][0]["target_offset"].is_null());
  EXPECT_EQ(part["findings"][1]["target_offset"], 95);
}

TEST(VerifyReport, TableSaysWhatWasFoundAndWhere) {
  PartitionReport p = Partition(1, 100);
  p.match.counts.missing = 2;
  p.match.findings.push_back(
      {Finding::Kind::kMissing, SourceOffset(40), SourceOffset(41), std::nullopt, ""});
  p.match.findings.push_back({Finding::Kind::kOutOfOrder, SourceOffset(7), SourceOffset(7),
                              TargetOffset(95), "after source offset 9"});
  std::string table = ReportTable(OneFlow({Partition(0, 100), p}));
  EXPECT_NE(table.find("flow dc1->dc2 (dc1 -> dc2)"), std::string::npos) << table;
  EXPECT_NE(table.find("orders[1]: missing: source offsets 40..41 (2 records)"), std::string::npos)
      << table;
  EXPECT_NE(table.find("orders[1]: out of order: source offset 7 at target offset 95: after "
                       "source offset 9"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("0..99"), std::string::npos) << table;
  EXPECT_NE(table.find("result: violations (exit 1): 2 partitions, 200 records matched; 2 missing"),
            std::string::npos)
      << table;
}

}  // namespace
}  // namespace strait::verify
