#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "status/render.h"

namespace strait::status {
namespace {

// One flow dc1->dc2 mirroring orders[0], 10 records behind a source at offset 50.
View OneFlow() {
  auto p = std::make_shared<replication::PartitionState>("orders", PartitionId(0), "dc1.orders");
  p->records.store(40);
  p->bytes.store(4000);
  p->acked_next.store(SourceOffset(40));
  p->ObserveQueriedHigh(SourceOffset(50), 1000);
  p->set_stage(replication::PartitionStage::kRunning);
  replication::FlowSnapshot s;
  s.name = "dc1->dc2";
  s.source = "dc1";
  s.target = "dc2";
  s.state = replication::FlowState::kRunning;
  s.topics.push_back({"orders", "dc1.orders", 1, 1, ""});
  s.partitions.push_back(p);
  config::FlowConfig f;
  f.source = "dc1";
  f.target = "dc2";
  return {{s}, {f}, {}, 1000};
}

TEST(StatusJson, ReportsEachPartitionAndTheFlowTotals) {
  nlohmann::json j = nlohmann::json::parse(StatusJson(OneFlow()));
  const nlohmann::json& flow = j["flows"][0];
  EXPECT_EQ(flow["name"], "dc1->dc2");
  EXPECT_EQ(flow["records"], 40);
  EXPECT_EQ(flow["lag_records"], 10);
  const nlohmann::json& part = flow["partitions"][0];
  EXPECT_EQ(part["state"], "mirroring");
  EXPECT_EQ(part["next_source_offset"], 40);
  EXPECT_EQ(part["source_high_watermark"], 50);
  EXPECT_EQ(flow["topics"][0]["state"], "mirroring");
  const nlohmann::json& edge = j["topology"]["edges"][0];
  EXPECT_EQ(edge["source"], "dc1");
  EXPECT_EQ(edge["lag_records"], 10);
  EXPECT_TRUE(edge["lag_seconds"].is_null());  // no heartbeat arrived yet
}

TEST(StatusJson, ATopicWithAnErrorIsInError) {
  View v = OneFlow();
  v.flows[0].topics[0].error = "target topic dc1.orders has 1 partitions, source topic has 2";
  nlohmann::json j = nlohmann::json::parse(StatusJson(v));
  EXPECT_EQ(j["flows"][0]["topics"][0]["state"], "error");
}

TEST(StatusJson, AGroupShowsWhereItsPositionsLandOnTheTarget) {
  View v = OneFlow();
  offsets::GroupStatus g;
  g.group = "billing";
  g.partitions = 1;
  g.positions.push_back({"dc1.orders", 0, "orders", SourceOffset(40), TargetOffset(38)});
  v.flows[0].groups.push_back(g);
  nlohmann::json j = nlohmann::json::parse(StatusJson(v));
  const nlohmann::json& group = j["flows"][0]["groups"][0];
  EXPECT_EQ(group["state"], "synced");
  EXPECT_EQ(group["positions"][0]["topic"], "dc1.orders");
  EXPECT_EQ(group["positions"][0]["source_topic"], "orders");
  EXPECT_EQ(group["positions"][0]["source_offset"], 40);
  EXPECT_EQ(group["positions"][0]["target_offset"], 38);
}

TEST(StatusJson, APausedFlowSaysSo) {
  View v = OneFlow();
  v.flows[0].state = replication::FlowState::kPaused;
  nlohmann::json j = nlohmann::json::parse(StatusJson(v));
  EXPECT_EQ(j["flows"][0]["state"], "paused");
  EXPECT_EQ(j["topology"]["edges"][0]["state"], "paused");
}

// With group.enabled: the instances, who owns what, the generation and the last rebalance.
TEST(StatusJson, AnInstanceGroupShowsEachInstanceAndWhatItOwns) {
  View v = OneFlow();
  EXPECT_TRUE(nlohmann::json::parse(StatusJson(v))["flows"][0]["group"].is_null());
  replication::GroupStatus g;
  g.group_id = "strait.dc1.dc2";
  g.instance_id = "a";
  g.member_id = "m-a";
  g.generation = 7;
  g.rebalances = 3;
  g.last_rebalance_ms = 900;
  g.members = {{"a", "m-a", "/10.0.0.1", true, true, {{"dc1.orders", 0}}},
               {"b", "m-b", "/10.0.0.2", true, false, {{"dc1.orders", 1}}}};
  v.flows[0].group = g;
  nlohmann::json j = nlohmann::json::parse(StatusJson(v));
  const nlohmann::json& group = j["flows"][0]["group"];
  EXPECT_EQ(group["group"], "strait.dc1.dc2");
  EXPECT_EQ(group["generation"], 7);
  EXPECT_EQ(group["last_rebalance_ms"], 900);
  ASSERT_EQ(group["instances"].size(), 2u);
  EXPECT_EQ(group["instances"][1]["instance"], "b");
  EXPECT_EQ(group["instances"][1]["partitions"][0]["partition"], 1);
  EXPECT_TRUE(group["instances"][0]["self"]);
  EXPECT_EQ(j["topology"]["edges"][0]["group"]["generation"], 7);  // for `strait status`
  const std::string text = MetricsText(v);
  EXPECT_NE(text.find("strait_group_generation{flow=\"dc1->dc2\"} 7\n"), std::string::npos) << text;
  EXPECT_NE(text.find("strait_group_instances{flow=\"dc1->dc2\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("strait_group_partitions_owned{flow=\"dc1->dc2\",instance=\"a\"} 1\n"),
            std::string::npos);
}

TEST(MetricsText, CountsPerTopicAndPartition) {
  std::string text = MetricsText(OneFlow());
  EXPECT_NE(text.find("strait_records_mirrored_total{flow=\"dc1->dc2\",topic=\"orders\"} 40\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("strait_partition_lag_records{flow=\"dc1->dc2\",topic=\"orders\","
                      "partition=\"0\"} 10\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("strait_flow_connected{flow=\"dc1->dc2\"} 1\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("strait_partition_stopped{"), std::string::npos) << text;
}

// A process-wide count, without a flow label: one line even with no flow at all.
TEST(MetricsText, CountsTheLibrdkafkaHandlesLeftBehind) {
  View v = OneFlow();
  v.kafka_handles_left_behind = 2;
  EXPECT_NE(MetricsText(v).find("\nstrait_kafka_handles_left_behind_total 2\n"), std::string::npos)
      << MetricsText(v);
  EXPECT_NE(MetricsText(View{}).find("\nstrait_kafka_handles_left_behind_total 0\n"),
            std::string::npos);
}

TEST(MetricsText, AStoppedPartitionIsDownWithTheClassOfItsError) {
  View v = OneFlow();
  auto p = std::const_pointer_cast<replication::PartitionState>(v.flows[0].partitions[0]);
  p->set_stage(replication::PartitionStage::kStopped);
  p->SetError("record at offset 3 of orders[0] is 2000000 bytes", "resource_exhausted");
  std::string text = MetricsText(v);
  EXPECT_NE(
      text.find("strait_partition_up{flow=\"dc1->dc2\",topic=\"orders\",partition=\"0\"} 0\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("strait_partition_stopped{flow=\"dc1->dc2\",topic=\"orders\","
                      "partition=\"0\",reason=\"resource_exhausted\"} 1\n"),
            std::string::npos)
      << text;
}

// Issue 18: where the data thread's time goes, and what is in flight, per flow.
TEST(MetricsText, TheDataThreadsTimeIsSplitByWhatItWaitsFor) {
  View v = OneFlow();
  v.flows[0].data_loop_seconds = {1.5, 0.25, 2};
  v.flows[0].transactions_rewound = 3;
  auto p = std::const_pointer_cast<replication::PartitionState>(v.flows[0].partitions[0]);
  p->inflight_records.store(7);
  const std::string text = MetricsText(v);
  for (const char* line :
       {"strait_data_loop_seconds_total{flow=\"dc1->dc2\",state=\"working\"} 1.5\n",
        "strait_data_loop_seconds_total{flow=\"dc1->dc2\",state=\"waiting_fetch\"} 0.25\n",
        "strait_data_loop_seconds_total{flow=\"dc1->dc2\",state=\"waiting_produce\"} 2\n",
        "strait_inflight_records{flow=\"dc1->dc2\"} 7\n",
        "strait_transactions_rewound_total{flow=\"dc1->dc2\"} 3\n",
        "# TYPE strait_data_loop_seconds_total counter\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << text;
  }
}

}  // namespace
}  // namespace strait::status
