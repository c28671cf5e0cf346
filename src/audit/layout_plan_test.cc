#include "audit/layout_plan.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace strait::audit {
namespace {

TEST(LayoutPlan, ThreeDcsTwoBrokersSurviveOne) {
  Result<LayoutPlan> p = PlanLayout({3, 2, 1});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_EQ(p->options.size(), 2u);
  EXPECT_EQ(p->options[0].rf, 3);
  EXPECT_EQ(p->options[0].min_isr, 2);
  EXPECT_EQ(p->options[1].rf, 6);
  EXPECT_EQ(p->options[1].min_isr, 3);
  EXPECT_EQ(p->voters_per_site, (std::vector<int>{1, 1, 1}));
  EXPECT_EQ(p->tiebreaker_sites, 0);
}

TEST(LayoutPlan, TwoDcsMustChooseAndNeedATieBreaker) {
  Result<LayoutPlan> p = PlanLayout({2, 3, 1});
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->options.size(), 2u);
  EXPECT_EQ(p->options[0].name, "consistency-first");
  EXPECT_EQ(p->options[0].rf, 4);
  EXPECT_EQ(p->options[0].min_isr, 3);
  EXPECT_FALSE(p->options[0].unclean_leader_election);
  EXPECT_EQ(p->options[1].name, "availability-first");
  EXPECT_EQ(p->options[1].min_isr, 2);
  EXPECT_EQ(p->tiebreaker_sites, 1);
  EXPECT_EQ(p->voters_per_site, (std::vector<int>{1, 1, 1}));
}

TEST(LayoutPlan, FiveDcsSurviveTwo) {
  Result<LayoutPlan> p = PlanLayout({5, 2, 2});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->options[0].rf, 5);
  EXPECT_EQ(p->options[0].min_isr, 3);
  EXPECT_EQ(p->voters_per_site, (std::vector<int>{1, 1, 1, 1, 1}));
}

TEST(LayoutPlan, RejectsImpossibleRequests) {
  EXPECT_FALSE(PlanLayout({3, 2, 3}).ok());
  EXPECT_FALSE(PlanLayout({1, 2, 1}).ok());
  EXPECT_FALSE(PlanLayout({3, 0, 1}).ok());
}

TEST(LayoutPlan, RendersTextAndJson) {
  LayoutPlan p = *PlanLayout({3, 2, 1});
  EXPECT_NE(LayoutPlanText(p).find("min.insync.replicas=2"), std::string::npos);
  nlohmann::json j = nlohmann::json::parse(LayoutPlanJson(p));
  EXPECT_EQ(j["schema"], "strait.audit.layout/1");
  EXPECT_EQ(j["options"][0]["replication_factor"], 3);
}

}  // namespace
}  // namespace strait::audit
