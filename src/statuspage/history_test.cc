#include "statuspage/history.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace strait::statuspage {
namespace {

std::string Status(const std::string& flow, int64_t records, int64_t lag) {
  return nlohmann::json{{"flows",
                         {{{"name", flow},
                           {"state", "running"},
                           {"records", records},
                           {"bytes", records * 10},
                           {"lag_records", lag},
                           {"lag_seconds", nullptr}}}}}
      .dump();
}

TEST(History, KeepsTheLastSamplesOfEachFlowOldestFirst) {
  History h([] { return std::string(); }, {std::chrono::milliseconds(1000), 3});
  for (int i = 0; i < 5; ++i) {
    h.Record(Status("dc1->dc2", int64_t{100} * i, 5 - i), int64_t{1000} * i);
  }
  nlohmann::json j = nlohmann::json::parse(h.Json());
  EXPECT_EQ(j["interval_ms"], 1000);
  const nlohmann::json& samples = j["flows"]["dc1->dc2"];
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_EQ(samples[0]["t"], 2000);
  EXPECT_EQ(samples[2]["records"], 400);
  EXPECT_EQ(samples[2]["lag_records"], 1);
  EXPECT_EQ(samples[2]["lag_seconds"], 0.0);  // null in /status until known
}

TEST(History, ForgetsARemovedFlowOnceItsWindowHasPassed) {
  History h([] { return std::string(); }, {std::chrono::milliseconds(1000), 3});
  h.Record(Status("gone->dc2", 1, 0), 0);
  h.Record(Status("dc1->dc2", 1, 0), 2000);
  EXPECT_TRUE(nlohmann::json::parse(h.Json())["flows"].contains("gone->dc2"));
  h.Record(Status("dc1->dc2", 2, 0), 4000);
  EXPECT_FALSE(nlohmann::json::parse(h.Json())["flows"].contains("gone->dc2"));
}

TEST(History, SkipsADocumentThatDoesNotParse) {
  History h([] { return std::string(); }, {});
  h.Record("<html>", 0);
  EXPECT_EQ(nlohmann::json::parse(h.Json())["flows"].size(), 0u);
}

TEST(History, SamplesOnItsOwnThreadUntilStopped) {
  std::atomic<int> calls{0};
  History h(
      [&] {
        ++calls;
        return Status("dc1->dc2", calls.load(), 0);
      },
      {std::chrono::milliseconds(1), 10});
  h.Start();
  while (calls.load() < 3) std::this_thread::yield();
  h.Stop();
  EXPECT_GE(nlohmann::json::parse(h.Json())["flows"]["dc1->dc2"].size(), 2u);
}

}  // namespace
}  // namespace strait::statuspage
