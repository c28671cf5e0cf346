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

}  // namespace

Result<std::string> Get(const Endpoint& endpoint, const std::string& path,
                        std::chrono::milliseconds timeout) {
  std::string url = fmt::format("{}://{}:{}{}", endpoint.tls ? "https" : "http", endpoint.host,
                                endpoint.port, path);
  std::unique_ptr<httplib::ClientImpl> client = MakeClient(endpoint);
  client->set_connection_timeout(timeout);
  client->set_read_timeout(timeout);
  if (!endpoint.token.empty()) client->set_bearer_token_auth(endpoint.token);
  httplib::Result r = client->Get(path);
  if (!r) {
    std::string why = httplib::to_string(r.error());
    if (r.error() == httplib::Error::SSLServerVerification) {
      why += fmt::format(" (the server's certificate is not signed by {}, or does not name {})",
                         endpoint.ca_file, endpoint.host);
    }
    return Unavailable(fmt::format("no answer from {}: {}", url, why));
  }
  if (r->status == 401) {
    return Unavailable(Redact(
        fmt::format("{} answered 401: {}", url,
                    endpoint.token.empty() ? "it needs http.token" : "the token was refused")));
  }
  if (r->status != 200) return Unavailable(fmt::format("{} answered {}", url, r->status));
  return r->body;
}

Result<Response> Post(const std::string& host, int port, const std::string& path,
                      std::chrono::milliseconds timeout) {
  httplib::Client client(host, port);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  httplib::Result r = client.Post(path.c_str(), "", "application/json");
  if (!r) {
    return Unavailable(fmt::format("no answer from http://{}:{}{}: {}", host, port, path,
                                   httplib::to_string(r.error())));
  }
  return Response{r->status, r->body};
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
