#include "cli/endpoint.h"

namespace strait::cli {

http::Endpoint EndpointOf(const config::HttpConfig& http) {
  std::string host = http.host == "0.0.0.0" ? "127.0.0.1" : http.host == "::" ? "::1" : http.host;
  // strait's certificate is checked against tls.ca, or against itself when self-signed.
  return {host, http.port, http.tls(), http.tls_ca.empty() ? http.tls_certificate : http.tls_ca,
          http.token};
}

}  // namespace strait::cli
