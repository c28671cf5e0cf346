// A plain HTTP GET, for commands that read a running instance (`strait status`).
#pragma once

#include <chrono>
#include <string>

#include "base/status.h"

namespace strait::http {

// The body of http://host:port/path; an error for no answer or a status other than 200.
Result<std::string> Get(const std::string& host, int port, const std::string& path,
                        std::chrono::milliseconds timeout);

}  // namespace strait::http
