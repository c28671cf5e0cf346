// Plain HTTP requests, for commands that talk to a running instance (`strait status`,
// `strait reload`, `strait pause`).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/status.h"

namespace strait::http {

// The body of http://host:port/path; an error for no answer or a status other than 200.
Result<std::string> Get(const std::string& host, int port, const std::string& path,
                        std::chrono::milliseconds timeout);

struct Response {
  int status = 0;
  std::string body;
};

// POSTs an empty body to http://host:port/path; an error only when there is no answer.
Result<Response> Post(const std::string& host, int port, const std::string& path,
                      std::chrono::milliseconds timeout);

// Percent-encodes everything but letters, digits and -._~ (for a flow name in a path).
std::string EncodePathSegment(std::string_view segment);

}  // namespace strait::http
