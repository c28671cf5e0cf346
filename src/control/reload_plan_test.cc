#include "control/reload_plan.h"

#include <gtest/gtest.h>

namespace strait::control {
namespace {

using Names = std::vector<std::string>;

config::Config Parse(const std::string& yaml) {
  Result<config::Config> c = config::ParseConfig(yaml, "s.yaml");
  EXPECT_TRUE(c.ok()) << c.status().message();
  return c.ok() ? *c : config::Config{};
}

constexpr const char* kBase = R"(clusters:
  dc1: { bootstrap.servers: "a:1" }
  dc2: { bootstrap.servers: "b:1" }
  dc3: { bootstrap.servers: "c:1" }
flows:
  - { source: dc1, target: dc2, topics: [orders] }
  - { source: dc2, target: dc1 }
  - { source: dc1, target: dc3 }
)";

TEST(ReloadPlan, TheSameFileChangesNothing) {
  ReloadPlan plan = PlanReload(Parse(kBase), Parse(kBase));
  EXPECT_TRUE(plan.empty());
  EXPECT_EQ(plan.unchanged, (Names{"dc1->dc2", "dc2->dc1", "dc1->dc3"}));
}

TEST(ReloadPlan, AddsRemovesAndRestartsOnlyWhatChanged) {
  ReloadPlan plan = PlanReload(Parse(kBase), Parse(R"(clusters:
  dc1: { bootstrap.servers: "a:1" }
  dc2: { bootstrap.servers: "b:1" }
  dc3: { bootstrap.servers: "c:1" }
flows:
  - { source: dc1, target: dc2, topics: [orders, payments] }
  - { source: dc2, target: dc1 }
  - { source: dc3, target: dc1 }
)"));
  EXPECT_EQ(plan.start, (Names{"dc3->dc1"}));
  EXPECT_EQ(plan.stop, (Names{"dc1->dc3"}));
  EXPECT_EQ(plan.restart, (Names{"dc1->dc2"}));
  EXPECT_EQ(plan.unchanged, (Names{"dc2->dc1"}));
}

TEST(ReloadPlan, AClusterChangeRestartsEveryFlowThatUsesIt) {
  std::string next = kBase;
  next.replace(next.find("\"c:1\""), 5, "\"c:2\"");
  ReloadPlan plan = PlanReload(Parse(kBase), Parse(next));
  EXPECT_EQ(plan.restart, (Names{"dc1->dc3"}));
  EXPECT_EQ(plan.unchanged, (Names{"dc1->dc2", "dc2->dc1"}));
}

TEST(ReloadPlan, MovingAFlowInTheFileIsNoChange) {
  std::string next = std::string(kBase) + "http: { listen: \"127.0.0.1:9999\" }\n";
  next.insert(next.find("flows:"), "# a comment that moves every flow down a line\n");
  ReloadPlan plan = PlanReload(Parse(kBase), Parse(next));
  EXPECT_TRUE(plan.empty());
  ASSERT_EQ(plan.needs_restart.size(), 1u);
  EXPECT_NE(plan.needs_restart[0].find("http"), std::string::npos);
}

TEST(ReloadPlan, DisablingAFlowStopsItAndEnablingStartsIt) {
  std::string disabled = kBase;
  const std::string flow = "{ source: dc2, target: dc1 }";
  disabled.replace(disabled.find(flow), flow.size(),
                   "{ source: dc2, target: dc1, enabled: false }");
  EXPECT_EQ(PlanReload(Parse(kBase), Parse(disabled)).stop, (Names{"dc2->dc1"}));
  EXPECT_EQ(PlanReload(Parse(disabled), Parse(kBase)).start, (Names{"dc2->dc1"}));
}

}  // namespace
}  // namespace strait::control
