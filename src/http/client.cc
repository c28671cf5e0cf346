#include "http/client.h"

#include <fmt/format.h>
#include <httplib.h>

#include <cctype>

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
