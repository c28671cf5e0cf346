// The HTTP endpoint: /metrics (Prometheus text), /healthz, /status (JSON), the status page
// at / with its /status/history, and the control API: POST /reload, POST
// /flows/{flow}/pause and /flows/{flow}/resume (the flow name percent-encoded). Over HTTPS
// when given a certificate, and behind a bearer token when given one (/healthz stays open, so
// that a load balancer or orchestrator can probe it without the secret).
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
struct Request;
struct Response;
}  // namespace httplib

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

struct Security {
  std::string certificate_file;  // PEM; HTTPS when set (with key_file)
  std::string key_file;
  std::string token;  // when set, every endpoint but /healthz needs it
};

class Server {
 public:
  explicit Server(Handlers handlers, Security security = {});
  ~Server();

  // Binds host:port (port 0 picks a free one) and starts serving. Fails if the address
  // is taken or invalid, or the certificate or key cannot be loaded.
  Status Start(const std::string& host, int port);
  void Stop();
  int port() const { return port_; }

 private:
  void AddControlRoutes();
  // 401 for a request without the token; true when the request may go on.
  bool Authorized(const httplib::Request& req, httplib::Response& res) const;

  Handlers handlers_;
  Security security_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace strait::http
