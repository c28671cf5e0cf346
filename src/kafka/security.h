// Who strait is to a cluster, and what to tell the operator when the cluster will not let
// it in: the principal its brokers see, and messages for failed TLS handshakes, failed logins
// and missing ACLs that name the cause and the fix. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "kafka/acl.h"
#include "kafka/types.h"

namespace strait::kafka {

// strait's own client properties ("strait.*"), never handed to librdkafka. strait.cluster
// is the alias of the cluster a client talks to, so that every message about the client
// names it (config::ClusterConfig adds it).
inline constexpr std::string_view kClusterProperty = "strait.cluster";
// Appends librdkafka's statistics (statistics.interval.ms) to this file, one JSON object a
// line: for measuring the pipeline (bench/run.py --timeline), not for monitoring.
inline constexpr std::string_view kStatisticsFileProperty = "strait.statistics.file";
bool IsStraitProperty(std::string_view key);

struct Identity {
  std::string cluster;      // the alias in strait's config; "" for tools without one
  std::string principal;    // as the brokers will see it, e.g. "User:mirror"
  std::string protocol;     // security.protocol, lower case
  std::string mechanism;    // sasl.mechanism, when SASL is used
  std::string ca_location;  // ssl.ca.location, when set
  // What is wrong with strait's own client certificate, as far as strait can tell by itself
  // ("it expired on …"); empty when nothing is.
  std::string certificate_problem;
};

// Reads the identity from client properties. With a client certificate the principal is the
// certificate's subject in Kafka's (RFC 2253) form; the brokers' ssl.principal.mapping.rules
// may still shorten it, which the principal's text says.
Identity IdentityOf(const Properties& properties);

// A broker certificate that failed verification, as OpenSSL saw it.
struct CertificateFailure {
  int x509_error = 0;
  int depth = 0;       // 0: the broker's own certificate; 1 and up: its issuers
  std::string broker;  // "127.0.0.1:9093"
  std::string subject, issuer, not_before, not_after;
  std::vector<std::string> names;  // subjectAltName: "DNS:kafka-1", "IP:10.0.0.1"
  std::string reason;              // OpenSSL's own words
};

// `broker_name` is librdkafka's ("sasl_ssl://host:port/1"); `der` the certificate.
CertificateFailure ReadCertificateFailure(int x509_error, int depth, std::string_view broker_name,
                                          const char* der, size_t size);
// "TLS: the certificate of broker 127.0.0.1:9093 (CN=kafka-1) has expired ...: <fix>".
std::string ExplainCertificateFailure(const CertificateFailure& failure, const Identity& identity);
// `reason` is librdkafka's text of an authentication error.
std::string ExplainAuthenticationFailure(std::string_view reason, const Identity& identity);
// librdkafka's text of a failed TLS handshake that was not a certificate verification.
std::string ExplainTlsFailure(std::string_view reason, const Identity& identity);
// "cluster dc2 denied User:mirror WRITE on topic dc1.orders (TOPIC_AUTHORIZATION_FAILED):
// grant it with kafka-acls ...".
std::string ExplainDenied(const Identity& identity, AclOperation operation, AclResourceType type,
                          std::string_view name, std::string_view error_name,
                          AclPatternType pattern = AclPatternType::kLiteral);

// librdkafka's broker name without its protocol and node suffix: "127.0.0.1:9093".
std::string BrokerAddress(std::string_view broker_name);

}  // namespace strait::kafka
