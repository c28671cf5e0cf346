// The HTTP endpoint: /metrics (Prometheus text), /healthz, /status (JSON), the status page
// at / with its /status/history, and the control API: POST /reload, POST
// /flows/{flow}/pause and /flows/{flow}/resume (the flow name percent-encoded).
//
// Runs cpp-httplib on its own thread; handlers call the providers given at construction,
// from that thread, so providers must be thread-safe. Owned by the `run` command.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "base/status.h"

namespace httplib {
class Server;
}

namespace strait::http {

struct Handlers {
  std::function<std::string()> metrics;  // Prometheus text
  std::function<std::string()> status;   // JSON
  std::function<bool()> healthy;         // /healthz: 200 "ok" or 503
  std::function<std::string()> page;     // HTML for /
  std::function<std::string()> history;  // JSON for /status/history
  // (action, flow) -> (HTTP status, JSON body); action is reload, pause or resume.
  std::function<std::pair<int, std::string>(std::string_view, const std::string&)> control;
};

class Server {
 public:
  explicit Server(Handlers handlers);
  ~Server();

  // Binds host:port (port 0 picks a free one) and starts serving. Fails if the address
  // is taken or invalid.
  Status Start(const std::string& host, int port);
  void Stop();
  int port() const { return port_; }

 private:
  void AddControlRoutes();

  Handlers handlers_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace strait::http
