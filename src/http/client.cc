#include "http/client.h"

#include <fmt/format.h>
#include <httplib.h>

#include <cctype>
#include <memory>

#include "base/redact.h"

namespace strait::http {
namespace {

std::unique_ptr<httplib::ClientImpl> MakeClient(const Endpoint& e) {
  if (!e.tls) return std::make_unique<httplib::ClientImpl>(e.host, e.port);
  auto client = std::make_unique<httplib::SSLClient>(e.host, e.port);
  client->set_ca_cert_path(e.ca_file);
  client->enable_server_certificate_verification(true);
  return client;
}

std::string Url(const Endpoint& e, const std::string& path) {
  return fmt::format("{}://{}:{}{}", e.tls ? "https" : "http", e.host, e.port, path);
}

// One request through a client set up for `endpoint`: no answer and 401 become errors.
Result<Response> Send(const Endpoint& endpoint, const std::string& path,
                      std::chrono::milliseconds timeout, bool post) {
  std::unique_ptr<httplib::ClientImpl> client = MakeClient(endpoint);
  client->set_connection_timeout(timeout);
  client->set_read_timeout(timeout);
  if (!endpoint.token.empty()) client->set_bearer_token_auth(endpoint.token);
  httplib::Result r = post ? client->Post(path, "", "application/json") : client->Get(path);
  if (!r) {
    std::string why = httplib::to_string(r.error());
    if (r.error() == httplib::Error::SSLServerVerification) {
      why += fmt::format(" (the server's certificate is not signed by {}, or does not name {})",
                         endpoint.ca_file, endpoint.host);
    }
    return Unavailable(fmt::format("no answer from {}: {}", Url(endpoint, path), why));
  }
  if (r->status == 401) {
    return Unavailable(Redact(
        fmt::format("{} answered 401: {}", Url(endpoint, path),
                    endpoint.token.empty() ? "it needs http.token" : "the token was refused")));
  }
  return Response{r->status, r->body};
}

}  // namespace

Result<std::string> Get(const Endpoint& endpoint, const std::string& path,
                        std::chrono::milliseconds timeout) {
  STRAIT_ASSIGN_OR_RETURN(Response r, Send(endpoint, path, timeout, /*post=*/false));
  if (r.status != 200) {
    return Unavailable(fmt::format("{} answered {}", Url(endpoint, path), r.status));
  }
  return std::move(r.body);
}

Result<Response> Post(const Endpoint& endpoint, const std::string& path,
                      std::chrono::milliseconds timeout) {
  return Send(endpoint, path, timeout, /*post=*/true);
}

std::string EncodePathSegment(std::string_view segment) {
  std::string out;
  for (unsigned char c : segment) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

}  // namespace strait::http
