#include "kafka/security.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace strait::kafka {
namespace {

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct NamesDeleter {
  void operator()(GENERAL_NAMES* n) const { GENERAL_NAMES_free(n); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string Property(const Properties& properties, std::string_view key) {
  std::string value;
  for (const auto& [k, v] : properties) {
    if (k == key) value = v;  // the last one wins, as in librdkafka
  }
  return value;
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

// Kafka's form of a distinguished name (Java's X500Principal.getName(): RFC 2253).
std::string NameText(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253);
  return BioText(bio.get());
}

std::string TimeText(const ASN1_TIME* t) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (t != nullptr) ASN1_TIME_print(bio.get(), t);
  return BioText(bio.get());
}

std::vector<std::string> AltNames(X509* cert) {
  std::vector<std::string> out;
  std::unique_ptr<GENERAL_NAMES, NamesDeleter> names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names.get(), i);
    if (n->type == GEN_DNS) {
      const ASN1_IA5STRING* s = n->d.dNSName;
      out.push_back("DNS:" + std::string(reinterpret_cast<const char*>(s->data), s->length));
    } else if (n->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = n->d.iPAddress;
      char text[INET6_ADDRSTRLEN] = {};
      int family = ip->length == 4 ? AF_INET : AF_INET6;
      if (inet_ntop(family, ip->data, text, sizeof(text)) != nullptr) {
        out.push_back(std::string("IP:") + text);
      }
    }
  }
  return out;
}

// The first certificate in a PEM file or PEM text.
X509Ptr ReadCertificate(const std::string& location, const std::string& pem) {
  BioPtr bio(!pem.empty() ? BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))
                          : BIO_new_file(location.c_str(), "r"));
  if (!bio) return nullptr;
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

// What strait can see by itself to be wrong with its client certificate.
std::string CertificateProblem(X509* cert) {
  if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0) {
    return fmt::format("it expired on {}", TimeText(X509_get0_notAfter(cert)));
  }
  if (X509_cmp_current_time(X509_get0_notBefore(cert)) > 0) {
    return fmt::format("it is not valid before {}", TimeText(X509_get0_notBefore(cert)));
  }
  return "";
}

void ReadSslIdentity(const Properties& properties, Identity* id) {
  std::string location = Property(properties, "ssl.certificate.location");
  std::string pem = Property(properties, "ssl.certificate.pem");
  std::string keystore = Property(properties, "ssl.keystore.location");
  if (location.empty() && pem.empty()) {
    id->principal = keystore.empty()
                        ? "User:ANONYMOUS"
                        : fmt::format("the principal of the certificate in {}", keystore);
    return;
  }
  X509Ptr cert = ReadCertificate(location, pem);
  if (!cert) {
    id->principal = "the principal of the client certificate";
    return;
  }
  id->principal = fmt::format(
      "User:{} (the client certificate's subject; the brokers' "
      "ssl.principal.mapping.rules may shorten it)",
      NameText(X509_get_subject_name(cert.get())));
  id->certificate_problem = CertificateProblem(cert.get());
}

std::string SaslPrincipal(const Properties& properties, const std::string& mechanism) {
  if (mechanism == "PLAIN" || mechanism.starts_with("SCRAM")) {
    return "User:" + Property(properties, "sasl.username");
  }
  if (mechanism == "OAUTHBEARER") return "the principal of the OAUTHBEARER token";
  std::string kerberos = Property(properties, "sasl.kerberos.principal");
  return fmt::format("the Kerberos principal {}", kerberos.empty() ? "kafkaclient" : kerberos);
}

// librdkafka appends how long the connection lived and how often the error repeated; that
// changes with every attempt and says nothing to an operator.
std::string WithoutTiming(std::string_view reason) {
  size_t after = reason.rfind(" (after ");
  std::string out(after == std::string_view::npos ? reason : reason.substr(0, after));
  // ... and starts with the broker's name: "sasl_ssl://127.0.0.1:9093/bootstrap: ".
  size_t scheme = out.find("://");
  size_t colon = scheme == std::string::npos ? scheme : out.find(": ", scheme);
  if (colon != std::string::npos) {
    out = fmt::format("broker {}: {}", BrokerAddress(out.substr(0, colon)), out.substr(colon + 2));
  }
  return out;
}

std::string TrustStore(const Identity& id) {
  return id.ca_location.empty() ? "the system's trusted CAs (ssl.ca.location is not set)"
                                : fmt::format("ssl.ca.location ({})", id.ca_location);
}

std::string Host(const std::string& broker) {
  if (!broker.empty() && broker.front() == '[') return broker.substr(1, broker.find(']') - 1);
  return broker.substr(0, broker.rfind(':'));
}

}  // namespace

bool IsStraitProperty(std::string_view key) { return key.starts_with("strait."); }

Identity IdentityOf(const Properties& properties) {
  Identity id;
  id.cluster = Property(properties, kClusterProperty);
  id.protocol = Lower(Property(properties, "security.protocol"));
  if (id.protocol.empty()) id.protocol = "plaintext";
  id.ca_location = Property(properties, "ssl.ca.location");
  if (id.protocol.starts_with("sasl")) {
    id.mechanism = Property(properties, "sasl.mechanism");
    if (id.mechanism.empty()) id.mechanism = Property(properties, "sasl.mechanisms");
    if (id.mechanism.empty()) id.mechanism = "GSSAPI";  // librdkafka's default
    id.principal = SaslPrincipal(properties, id.mechanism);
  } else if (id.protocol == "ssl") {
    ReadSslIdentity(properties, &id);
  } else {
    id.principal = "User:ANONYMOUS";
  }
  return id;
}

std::string BrokerAddress(std::string_view broker_name) {
  size_t scheme = broker_name.find("://");
  if (scheme != std::string_view::npos) broker_name.remove_prefix(scheme + 3);
  size_t slash = broker_name.find('/');
  return std::string(broker_name.substr(0, slash));
}

CertificateFailure ReadCertificateFailure(int x509_error, int depth, std::string_view broker_name,
                                          const char* der, size_t size) {
  CertificateFailure f;
  f.x509_error = x509_error;
  f.depth = depth;
  f.broker = BrokerAddress(broker_name);
  f.reason = X509_verify_cert_error_string(x509_error);
  const auto* p = reinterpret_cast<const unsigned char*>(der);
  X509Ptr cert(der != nullptr ? d2i_X509(nullptr, &p, static_cast<long>(size)) : nullptr);
  if (!cert) return f;
  f.subject = NameText(X509_get_subject_name(cert.get()));
  f.issuer = NameText(X509_get_issuer_name(cert.get()));
  f.not_before = TimeText(X509_get0_notBefore(cert.get()));
  f.not_after = TimeText(X509_get0_notAfter(cert.get()));
  f.names = AltNames(cert.get());
  return f;
}

std::string ExplainCertificateFailure(const CertificateFailure& f, const Identity& id) {
  std::string whose =
      f.depth == 0
          ? fmt::format("the certificate of broker {} ({})", f.broker, f.subject)
          : fmt::format("a CA certificate ({}) in the chain of broker {}", f.subject, f.broker);
  switch (f.x509_error) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return fmt::format("TLS: {} expired on {}: renew it on the broker", whose, f.not_after);
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return fmt::format(
          "TLS: {} is not valid before {}: check the clocks of this machine "
          "and the broker",
          whose, f.not_before);
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return fmt::format(
          "TLS: {} does not name {} (hostname mismatch; it names {}): connect with a name the "
          "certificate has, or give the broker a certificate that names {}",
          whose, Host(f.broker),
          f.names.empty() ? "no host" : fmt::format("{}", fmt::join(f.names, ", ")),
          Host(f.broker));
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
      return fmt::format(
          "TLS: {} is not trusted: its issuer {} is not among {} ({}): add the "
          "CA that signed the brokers' certificates to ssl.ca.location",
          whose, f.issuer, TrustStore(id), f.reason);
    default:
      return fmt::format("TLS: {} failed verification: {}", whose, f.reason);
  }
}

std::string ExplainAuthenticationFailure(std::string_view reason, const Identity& id) {
  std::string who =
      id.mechanism.empty() ? id.principal : fmt::format("{} with {}", id.principal, id.mechanism);
  return fmt::format(
      "authentication as {} failed: {}: check the user name and password "
      "(sasl.username, sasl.password) and that the brokers have credentials "
      "for that user and mechanism",
      who, WithoutTiming(reason));
}

std::string ExplainTlsFailure(std::string_view reason, const Identity& id) {
  std::string text = WithoutTiming(reason);
  if (text.find("alert") == std::string::npos) return fmt::format("TLS: {}", text);
  // The alert says what the broker thought of strait's client certificate; what strait can
  // see of its own certificate says it more precisely.
  std::string why =
      !id.certificate_problem.empty()
          ? "strait's client certificate is not valid: " + id.certificate_problem
      : text.find("certificate expired") != std::string::npos
          ? "strait's client certificate has expired"
      : text.find("unknown ca") != std::string::npos ||
              text.find("bad certificate") != std::string::npos
          ? "the brokers do not trust strait's client certificate (not signed by a CA in "
            "their truststore), or strait sent none"
      : text.find("certificate required") != std::string::npos
          ? "the brokers require a client certificate and strait sent none"
      : text.find("certificate unknown") != std::string::npos
          ? "the brokers could not accept strait's client certificate"
          : "the broker ended the TLS session";
  std::string cert = id.principal.starts_with("User:ANONYMOUS")
                         ? "set ssl.certificate.location and ssl.key.location"
                         : fmt::format("check the certificate of {}", id.principal);
  return fmt::format("TLS: the broker refused the connection: {} ({}): {}", why, text, cert);
}

std::string ExplainDenied(const Identity& id, AclOperation operation, AclResourceType type,
                          std::string_view name, std::string_view error_name,
                          AclPatternType pattern) {
  std::string cluster = id.cluster.empty() ? "the cluster" : fmt::format("cluster {}", id.cluster);
  std::string principal = id.principal;
  // A command line needs the bare principal, not the note about mapping rules.
  std::string bare = principal.substr(0, principal.find(' '));
  if (!bare.starts_with("User:")) bare = "User:<principal>";
  return fmt::format("{} denied {} {} on {} ({}): no ACL allows it; grant it with: {}", cluster,
                     principal, AclOperationName(operation), DescribeResource(type, name, pattern),
                     error_name, GrantCommand(bare, operation, type, name, pattern));
}

}  // namespace strait::kafka
