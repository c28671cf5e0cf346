// A plain HTTP(S) GET, for commands that read a running instance (`strait status`).
#pragma once

#include <chrono>
#include <string>

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

}  // namespace strait::http
