#include "audit/report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "audit/test_util.h"

namespace strait::audit {
namespace {

using testing::LoadTestCluster;

ClusterDescription WellPlaced() {
  ClusterDescription c = LoadTestCluster("three_dc.json");
  c.topics.erase(c.topics.begin() + 2);  // drop "manual"
  return c;
}

TEST(ExitCode, SurvivesEveryDcLoss) {
  Report r = BuildReport(WellPlaced());
  EXPECT_EQ(r.exit_code, kExitSurvives) << r.exit_reason;
}

TEST(ExitCode, DegradedWhenADcLossBlocksAcksAll) {
  // RF 4 pinned to dc1 + dc2 with min ISR 3: losing either leaves 2 < 3, but no DC holds 3.
  ClusterDescription c = WellPlaced();
  c.topics.push_back(Topic{"pinned", false, 3, false, {{0, {1, 3, 2, 4}, {1, 3, 2, 4}, 1}}});
  Report r = BuildReport(c);
  EXPECT_EQ(r.exit_code, kExitDegraded) << r.exit_reason;
}

TEST(ExitCode, OutageWhenAConcentratedTopicRisksAckedData) {
  // "manual" keeps 2 replicas in dc1 with min ISR 2: the ISR may legally sit inside dc1.
  Report r = BuildReport(LoadTestCluster("three_dc.json"));
  EXPECT_EQ(r.exit_code, kExitOutage) << r.exit_reason;
  EXPECT_NE(r.exit_reason.find("acknowledged data at risk"), std::string::npos);
}

TEST(ExitCode, OutageWhenTheQuorumOrDataIsLost) {
  EXPECT_EQ(BuildReport(LoadTestCluster("two_dc_rf4_m3.json")).exit_code, kExitOutage);
  EXPECT_EQ(BuildReport(LoadTestCluster("two_dc_rf4_m2.json")).exit_code, kExitOutage);
}

TEST(ExitCode, ExtraScenariosCount) {
  Report r = BuildReport(WellPlaced(), {LoseDcs({"dc1", "dc2"})});
  EXPECT_EQ(r.exit_code, kExitOutage);
  EXPECT_NE(r.exit_reason.find("lose dc1+dc2"), std::string::npos);
}

TEST(ExitCode, InconclusiveWhenAControllerDcIsUnknown) {
  ClusterDescription c = WellPlaced();
  c.controllers[0].dc.clear();
  Report r = BuildReport(c);
  EXPECT_EQ(r.exit_code, kExitInconclusive) << r.exit_reason;
}

TEST(ExitCode, CutsDoNotChangeIt) {
  // 2.5 DC: every single loss degrades; the cuts are reported but not judged.
  Report r = BuildReport(LoadTestCluster("two_and_a_half_dc.json"));
  EXPECT_EQ(r.exit_code, kExitDegraded) << r.exit_reason;
}

TEST(ReportJson, HasTheDocumentedShape) {
  Report r = BuildReport(LoadTestCluster("three_dc.json"));
  nlohmann::json j = nlohmann::json::parse(ReportJson(r));
  EXPECT_EQ(j["schema"], "strait.audit.report/1");
  EXPECT_EQ(j["exit_code"], kExitOutage);
  EXPECT_EQ(j["scenarios"][0]["name"], "baseline");
  const nlohmann::json& lose = j["scenarios"][1];
  EXPECT_EQ(lose["kind"], "lose");
  EXPECT_EQ(lose["quorum"]["state"], "survives");
  EXPECT_EQ(lose["counts"]["ACKS1-ONLY"], 1);
  bool found = false;
  for (const auto& p : lose["partitions"]) {
    if (p["topic"] == "manual") {
      EXPECT_EQ(p["class"], "ACKS1-ONLY");
      found = true;
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(lose["groups"][0]["group"], "billing");
  EXPECT_TRUE(j["findings"].is_array());
  EXPECT_EQ(j["reassignment"]["partitions"][0]["topic"], "manual");
  EXPECT_EQ(j["cluster"]["dcs"][0]["name"], "dc1");
}

TEST(ReportTable, ShowsScenariosFindingsAndExitCode) {
  std::string t = ReportTable(BuildReport(LoadTestCluster("three_dc.json")));
  EXPECT_NE(t.find("lose dc1"), std::string::npos);
  EXPECT_NE(t.find("manual: ACKS1-ONLY"), std::string::npos) << t;
  EXPECT_NE(t.find("[HIGH] topic manual"), std::string::npos) << t;
  EXPECT_NE(t.find("Exit code 4"), std::string::npos);
}

}  // namespace
}  // namespace strait::audit
