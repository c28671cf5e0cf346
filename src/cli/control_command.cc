// `strait reload`, `strait pause FLOW`, `strait resume FLOW`: ask the instance running with
// a config to change, through its HTTP endpoint (http.listen), and wait for the answer.
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

// A pause or a restart waits for in-flight records to be acknowledged: up to 30 s per flow.
constexpr std::chrono::milliseconds kTimeout = 120s;

void PrintList(const char* what, const nlohmann::json& names) {
  if (names.empty()) return;
  std::string joined;
  for (const nlohmann::json& n : names) {
    joined += (joined.empty() ? "" : ", ") + n.get<std::string>();
  }
  std::printf("%-10s %s\n", what, joined.c_str());
}

}  // namespace

int RunControl(const ControlOptions& options) {
  std::optional<config::Config> config = LoadConfigOrSay(options.config_path);
  if (!config) return kExitUsage;
  std::string path = options.action == "reload"
                         ? "/reload"
                         : "/flows/" + http::EncodePathSegment(options.flow) + "/" + options.action;
  const config::HttpConfig& http = config->http;
  const http::Endpoint endpoint = EndpointOf(http);
  Result<http::Response> r = http::Post(endpoint, path, kTimeout);
  if (!r.ok()) {
    std::fprintf(stderr, "error: is strait running with %s? %s\n", options.config_path.c_str(),
                 r.status().message().c_str());
    return kExitFailure;
  }
  nlohmann::json body = nlohmann::json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.contains("ok")) {
    std::fprintf(stderr, "error: %s://%s:%d%s answered %d: %s\n", endpoint.tls ? "https" : "http",
                 endpoint.host.c_str(), endpoint.port, path.c_str(), r->status, r->body.c_str());
    return kExitFailure;
  }
  if (!body["ok"].get<bool>()) {
    std::fprintf(stderr, "%s\n", body.value("error", "").c_str());
    // An invalid new config is a config error, as for `strait run`.
    return r->status == 400 ? kExitUsage : kExitFailure;
  }
  if (options.action != "reload") {
    std::printf("%s\n", body.value("message", "").c_str());
    return kExitOk;
  }
  std::printf("config reloaded\n");
  PrintList("started", body["start"]);
  PrintList("stopped", body["stop"]);
  PrintList("restarted", body["restart"]);
  PrintList("unchanged", body["unchanged"]);
  for (const nlohmann::json& n : body["needs_restart"]) {
    std::printf("not applied until strait restarts: %s\n", n.get<std::string>().c_str());
  }
  return kExitOk;
}

}  // namespace strait::cli
