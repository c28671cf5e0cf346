#include "control/controller.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

namespace strait::control {
namespace {

// Flows that are never started (paused, or removed before they start): these tests need
// no cluster.
constexpr const char* kConfig = R"(clusters:
  dc1: { bootstrap.servers: "127.0.0.1:1" }
  dc2: { bootstrap.servers: "127.0.0.1:2" }
flows:
  - { source: dc1, target: dc2 }
  - { source: dc2, target: dc1 }
)";

class ControllerTest : public testing::Test {
 protected:
  void SetUp() override {
    // ctest runs each test as its own process, side by side: one file per test, or one
    // test reads the file another is writing.
    path_ = testing::TempDir() + "controller_test_" +
            testing::UnitTest::GetInstance()->current_test_info()->name() + ".yaml";
    Write(kConfig);
    Result<config::Config> c = config::LoadConfigFile(path_);
    ASSERT_TRUE(c.ok()) << c.status().message();
    replicator_ = std::make_unique<replication::Replicator>(*c);  // not started
    controller_ =
        std::make_unique<Controller>(Controller::Options{path_, ""}, *c, replicator_.get());
  }
  void TearDown() override { std::remove(path_.c_str()); }
  void Write(const std::string& text) { std::ofstream(path_) << text; }
  std::vector<std::string> States() {
    std::vector<std::string> out;
    for (const auto& s : replicator_->Snapshots()) {
      out.push_back(s.name + " " + std::string(replication::FlowStateName(s.state)));
    }
    return out;
  }

  std::string path_;
  std::unique_ptr<replication::Replicator> replicator_;
  std::unique_ptr<Controller> controller_;
};

TEST_F(ControllerTest, PausesOneFlowAndSaysSoTwice) {
  Result<std::string> first = controller_->Pause("dc2->dc1");
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(*first, "dc2->dc1 paused");
  EXPECT_EQ(*controller_->Pause("dc2->dc1"), "dc2->dc1 is already paused");
  EXPECT_EQ(States(), (std::vector<std::string>{"dc1->dc2 connecting", "dc2->dc1 paused"}));
  EXPECT_NE(controller_->Metrics().find("strait_flow_paused{flow=\"dc2->dc1\"} 1"),
            std::string::npos);
}

TEST_F(ControllerTest, APausedFlowIsHealthy) {
  ASSERT_TRUE(controller_->Pause("dc2->dc1").ok());
  ASSERT_TRUE(controller_->Pause("dc1->dc2").ok());
  EXPECT_TRUE(replicator_->Healthy());  // it has no threads that could hang
}

TEST_F(ControllerTest, AnUnknownFlowIsNamedWithTheFlowsThereAre) {
  Result<std::string> r = controller_->Pause("dc1->dc9");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "no enabled flow \"dc1->dc9\" in " + path_ + "; its flows are: dc1->dc2, dc2->dc1");
  auto [code, body] = controller_->Handle("resume", "dc1->dc9");
  EXPECT_EQ(code, 404);
  EXPECT_EQ(nlohmann::json::parse(body)["ok"], false);
}

TEST_F(ControllerTest, AnInvalidFileIsRefusedAndTheRunningConfigKept) {
  Write(std::string(kConfig) + "  - { source: dc1, target: dc3 }\n");
  auto [code, body] = controller_->Handle("reload", "");
  EXPECT_EQ(code, 400);
  EXPECT_NE(nlohmann::json::parse(body)["error"].get<std::string>().find(
                path_ + ":7:28: flows[2].target: unknown cluster \"dc3\""),
            std::string::npos)
      << body;
  EXPECT_EQ(States().size(), 2u);
  std::string metrics = controller_->Metrics();
  EXPECT_NE(metrics.find("strait_config_reloads_total{result=\"failure\"} 1"), std::string::npos);
  EXPECT_NE(metrics.find("strait_config_last_reload_successful 0"), std::string::npos);
}

TEST_F(ControllerTest, APausedFlowStaysPausedThroughAReload) {
  ASSERT_TRUE(controller_->Pause("dc2->dc1").ok());
  ASSERT_TRUE(controller_->Pause("dc1->dc2").ok());
  // dc2->dc1 changes (restarts, still paused); dc1->dc2 goes.
  Write(R"(clusters:
  dc1: { bootstrap.servers: "127.0.0.1:1" }
  dc2: { bootstrap.servers: "127.0.0.1:2" }
flows:
  - { source: dc2, target: dc1, topics: [orders] }
)");
  Result<ReloadPlan> plan = controller_->Reload();
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->restart, (std::vector<std::string>{"dc2->dc1"}));
  EXPECT_EQ(plan->stop, (std::vector<std::string>{"dc1->dc2"}));
  EXPECT_EQ(States(), (std::vector<std::string>{"dc2->dc1 paused"}));
  EXPECT_EQ(controller_->Metrics().find("dc1->dc2"), std::string::npos);
  controller_->Close();
  EXPECT_EQ(controller_->Reload().status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace strait::control
