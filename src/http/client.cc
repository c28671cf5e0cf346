#include "http/client.h"

#include <fmt/format.h>
#include <httplib.h>

namespace strait::http {

Result<std::string> Get(const std::string& host, int port, const std::string& path,
                        std::chrono::milliseconds timeout) {
  httplib::Client client(host, port);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  httplib::Result r = client.Get(path);
  if (!r) {
    return Unavailable(fmt::format("no answer from http://{}:{}{}: {}", host, port, path,
                                   httplib::to_string(r.error())));
  }
  if (r->status != 200) {
    return Unavailable(fmt::format("http://{}:{}{} answered {}", host, port, path, r->status));
  }
  return r->body;
}

}  // namespace strait::http
