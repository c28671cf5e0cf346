// The HTTP endpoint: /metrics (Prometheus text), /healthz and /status (JSON).
//
// Runs cpp-httplib on its own thread; handlers call the providers given at construction,
// from that thread, so providers must be thread-safe. Owned by the `run` command.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "base/status.h"

namespace httplib {
class Server;
}

namespace strait::http {

struct Handlers {
  std::function<std::string()> metrics;  // Prometheus text
  std::function<std::string()> status;   // JSON
  std::function<bool()> healthy;         // /healthz: 200 "ok" or 503
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
  Handlers handlers_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace strait::http
