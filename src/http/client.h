// A plain HTTP(S) request, for commands that talk to a running instance (`strait status`,
// `strait reload`, `strait pause`).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/status.h"

namespace strait::http {

// Where an instance listens and how to get in.
struct Endpoint {
  std::string host;
  int port = 0;
  bool tls = false;
  std::string ca_file;  // with tls: the CA (PEM) that signed the server's certificate
  std::string token;    // sent as "Authorization: Bearer <token>" when set
};

// The body of http(s)://host:port/path; an error for no answer or a status other than 200.
// HTTPS verifies the server's certificate against `ca_file`, host name included.
Result<std::string> Get(const Endpoint& endpoint, const std::string& path,
                        std::chrono::milliseconds timeout);

struct Response {
  int status = 0;
  std::string body;
};

// POSTs an empty body to http(s)://host:port/path, as Get does (certificate, token); an
// error when there is no answer or the token is missing or refused, else whatever answered.
Result<Response> Post(const Endpoint& endpoint, const std::string& path,
                      std::chrono::milliseconds timeout);

// Percent-encodes everything but letters, digits and -._~ (for a flow name in a path).
std::string EncodePathSegment(std::string_view segment);

}  // namespace strait::http
