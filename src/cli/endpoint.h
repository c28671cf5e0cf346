// How a command reaches the running instance a config describes: its http section, with a
// wildcard listen address replaced by loopback.
#pragma once

#include "config/config.h"
#include "http/client.h"

namespace strait::cli {

http::Endpoint EndpointOf(const config::HttpConfig& http);

}  // namespace strait::cli
