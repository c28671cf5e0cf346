// `strait status`: the replication graph of a running instance, read from its /status.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/config_file.h"
#include "cli/endpoint.h"
#include "config/config.h"
#include "http/client.h"

namespace strait::cli {
namespace {

using namespace std::chrono_literals;

std::string Cell(const nlohmann::json& v) {
  if (v.is_null()) return "-";
  if (v.is_number_float()) return fmt::format("{:.1f}", v.get<double>());
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

// With group.enabled: the instances sharing the flow and how many partitions each owns.
void PrintGroup(const nlohmann::json& group) {
  if (!group.is_object()) return;
  std::printf("  group %s: generation %s, %zu instances, last rebalance %s ms since epoch\n",
              Cell(group["group"]).c_str(), Cell(group["generation"]).c_str(),
              group["instances"].size(), Cell(group["last_rebalance_ms"]).c_str());
  for (const nlohmann::json& m : group["instances"]) {
    std::vector<std::string> owned;
    for (const nlohmann::json& p : m["partitions"]) {
      owned.push_back(fmt::format("{}[{}]", Cell(p["topic"]), Cell(p["partition"])));
    }
    std::printf("    %s%s (%s): %s\n", Cell(m["instance"]).c_str(),
                m.value("self", false) ? " (this one)" : "", Cell(m["host"]).c_str(),
                owned.empty() ? "no partitions" : fmt::format("{}", fmt::join(owned, " ")).c_str());
  }
  if (!group["error"].get<std::string>().empty()) {
    std::printf("  group error: %s\n", group["error"].get<std::string>().c_str());
  }
}

// One line per edge, then the problems.
void PrintGraph(const nlohmann::json& topology) {
  auto clusters = topology["clusters"].get<std::vector<std::string>>();
  std::printf("clusters: %s\n", fmt::format("{}", fmt::join(clusters, ", ")).c_str());
  std::printf("%-16s %-10s %-9s %-7s %12s %10s %9s %13s\n", "FLOW", "STATE", "NAMING", "FORWARD",
              "RECORDS", "LAG_RECS", "LAG_S", "LOOPS_DROPPED");
  for (const nlohmann::json& e : topology["edges"]) {
    std::printf("%-16s %-10s %-9s %-7s %12s %10s %9s %13s\n", Cell(e["flow"]).c_str(),
                Cell(e["state"]).c_str(), Cell(e["naming"]).c_str(), Cell(e["forward"]).c_str(),
                Cell(e["records"]).c_str(), Cell(e["lag_records"]).c_str(),
                Cell(e["lag_seconds"]).c_str(), Cell(e["loop_records_dropped"]).c_str());
    const int64_t unknown = e.value("lag_unknown_partitions", int64_t{0});
    const int64_t stalled = e.value("stalled_partitions", int64_t{0});
    if (unknown > 0 || stalled > 0) {
      std::printf("  %lld partitions stalled; lag unknown for %lld (LAG_RECS counts the others)\n",
                  static_cast<long long>(stalled), static_cast<long long>(unknown));
    }
    PrintGroup(e.value("group", nlohmann::json()));
    if (!e["heartbeat_error"].get<std::string>().empty()) {
      std::printf("  heartbeats: %s\n", e["heartbeat_error"].get<std::string>().c_str());
    }
  }
  std::printf("LAG_S: age of the newest source heartbeat on the target (end to end)\n");
  const nlohmann::json& problems = topology["problems"];
  if (problems.empty()) std::printf("problems: none\n");
  for (const nlohmann::json& p : problems) {
    std::printf("%s %s: %s\n", Cell(p["severity"]).c_str(), Cell(p["kind"]).c_str(),
                Cell(p["message"]).c_str());
  }
}

// How to reach the instance that listens on `http`: a wildcard address is reached on the
// loopback; HTTPS trusts http.tls.ca, or the server's own certificate (self-signed).

}  // namespace

int RunStatus(const StatusOptions& options) {
  std::optional<config::Config> config = LoadConfigOrSay(options.config_path);
  if (!config) return kExitUsage;
  const config::HttpConfig& http = config->http;
  Result<std::string> body = http::Get(EndpointOf(http), "/status", 10s);
  if (!body.ok()) {
    std::fprintf(stderr, "error: is strait running with %s? %s\n", options.config_path.c_str(),
                 body.status().message().c_str());
    return kExitFailure;
  }
  nlohmann::json status = nlohmann::json::parse(*body, nullptr, /*allow_exceptions=*/false);
  if (status.is_discarded() || !status.contains("topology")) {
    std::fprintf(stderr, "error: %s:%d/status did not answer with strait's status\n",
                 http.host.c_str(), http.port);
    return kExitFailure;
  }
  const nlohmann::json& topology = status["topology"];
  bool fine = topology["problems"].empty();
  for (const nlohmann::json& e : topology["edges"]) {
    fine = fine && e["state"] == "running" && e.value("stalled_partitions", 0) == 0;
  }
  if (options.json) {
    std::printf("%s\n", topology.dump(2).c_str());
  } else {
    PrintGraph(topology);
  }
  return fine ? kExitOk : kExitFailure;
}

}  // namespace strait::cli
