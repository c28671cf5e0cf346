#include "http/server.h"

#include <fmt/format.h>
#include <httplib.h>

#include <chrono>

#include "base/redact.h"

namespace strait::http {

namespace {

// Compares in time independent of where the strings differ, so that the token cannot be
// guessed byte by byte from response times.
bool SameSecret(std::string_view given, std::string_view secret) {
  unsigned char diff = given.size() == secret.size() ? 0 : 1;
  for (size_t i = 0; i < secret.size(); ++i) {  // every byte, whatever `given` holds
    auto g = static_cast<unsigned char>(i < given.size() ? given[i] : 0);
    diff |= g ^ static_cast<unsigned char>(secret[i]);
  }
  return diff == 0;
}

}  // namespace

Server::Server(Handlers handlers, Security security)
    : handlers_(std::move(handlers)), security_(std::move(security)) {}

Server::~Server() { Stop(); }

bool Server::Authorized(const httplib::Request& req, httplib::Response& res) const {
  if (security_.token.empty() || req.path == "/healthz") return true;
  std::string header = req.get_header_value("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (header.starts_with(kBearer) &&
      SameSecret(std::string_view(header).substr(kBearer.size()), security_.token)) {
    return true;
  }
  res.status = 401;
  res.set_header("WWW-Authenticate", "Bearer realm=\"strait\"");
  res.set_content("401 unauthorized: send \"Authorization: Bearer <http.token>\"\n", "text/plain");
  return false;
}

Status Server::Start(const std::string& host, int port) {
  if (security_.certificate_file.empty()) {
    server_ = std::make_unique<httplib::Server>();
  } else {
    auto tls = std::make_unique<httplib::SSLServer>(security_.certificate_file.c_str(),
                                                    security_.key_file.c_str());
    if (!tls->is_valid()) {
      return InvalidArgument(fmt::format(
          "cannot serve HTTPS with certificate {} and key {}: they are not PEM, or the key "
          "does not belong to the certificate (http.tls.certificate, http.tls.key)",
          security_.certificate_file, security_.key_file));
    }
    SSL_CTX_set_min_proto_version(tls->ssl_context(), TLS1_2_VERSION);
    server_ = std::move(tls);
  }
  server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    return Authorized(req, res) ? httplib::Server::HandlerResponse::Unhandled
                                : httplib::Server::HandlerResponse::Handled;
  });
  // httplib's default sets SO_REUSEPORT, which lets a second strait bind the same port
  // silently; SO_REUSEADDR alone still allows a quick restart.
  server_->set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(Redact(handlers_.metrics()), "text/plain; version=0.0.4; charset=utf-8");
  });
  server_->Get("/status", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(Redact(handlers_.status()), "application/json");
  });
  if (handlers_.page) {
    server_->Get("/", [this](const httplib::Request&, httplib::Response& res) {
      // The page's own inline script and style, and requests to strait only.
      res.set_header("Content-Security-Policy",
                     "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                     "connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
      res.set_content(handlers_.page(), "text/html; charset=utf-8");
    });
  }
  if (handlers_.history) {
    server_->Get("/status/history", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(Redact(handlers_.history()), "application/json");
    });
  }
  if (handlers_.control) AddControlRoutes();
  server_->Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    bool ok = handlers_.healthy();
    res.status = ok ? 200 : 503;
    res.set_content(ok ? "ok\n" : "unhealthy: see /status\n", "text/plain");
  });
  int bound =
      port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, port) ? port : -1);
  if (bound < 0) {
    return Status(StatusCode::kFailedPrecondition,
                  fmt::format("cannot listen on {}:{} for HTTP: the address is taken or invalid "
                              "(change http.listen)",
                              host, port));
  }
  port_ = bound;
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "http");
    server_->listen_after_bind();
  });
  // httplib's stop() is a no-op until the loop runs; wait for it so that Stop() always works.
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return Status::Ok();
}

void Server::AddControlRoutes() {
  using httplib::Request, httplib::Response;
  auto handle = [this](std::string_view action, const Request& req, Response& res) {
    // A browser adds Origin to a cross-site POST, which it sends without asking first: a web
    // page must not be able to pause replication through a browser on this machine.
    if (req.has_header("Origin")) {
      res.status = 403;
      res.set_content("{\"ok\":false,\"error\":\"control requests from a browser are refused\"}",
                      "application/json");
      return;
    }
    std::string flow = req.matches.size() > 1 ? req.matches[1].str() : "";
    auto [status, body] = handlers_.control(action, flow);
    res.status = status;
    res.set_content(Redact(body), "application/json");
  };
  server_->Post("/reload",
                [handle](const Request& req, Response& res) { handle("reload", req, res); });
  server_->Post("/flows/([^/]+)/pause",
                [handle](const Request& req, Response& res) { handle("pause", req, res); });
  server_->Post("/flows/([^/]+)/resume",
                [handle](const Request& req, Response& res) { handle("resume", req, res); });
}

void Server::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace strait::http
