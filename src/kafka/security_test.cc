#include "kafka/security.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

namespace strait::kafka {
namespace {

// A self-signed certificate made in memory: subject CN=<cn>, the given subjectAltName,
// valid from `from_days` to `to_days` from now.
struct TestCertificate {
  std::string der;
  std::string pem;
};

TestCertificate MakeCertificate(const std::string& cn, const std::string& alt_names, long from_days,
                                long to_days) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(2048), &EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), from_days * 86400);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), to_days * 86400);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, alt_names.c_str());
  X509_add_ext(cert.get(), ext, -1);
  X509_EXTENSION_free(ext);
  X509_set_pubkey(cert.get(), key.get());
  X509_sign(cert.get(), key.get(), EVP_sha256());
  TestCertificate out;
  unsigned char* der = nullptr;
  int n = i2d_X509(cert.get(), &der);
  out.der.assign(reinterpret_cast<char*>(der), n);
  OPENSSL_free(der);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_X509(bio.get(), cert.get());
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  out.pem.assign(data, len);
  return out;
}

Identity Scram() {
  return IdentityOf({{"strait.cluster", "dc2"},
                     {"security.protocol", "SASL_SSL"},
                     {"sasl.mechanism", "SCRAM-SHA-512"},
                     {"sasl.username", "mirror"},
                     {"sasl.password", "pw"},
                     {"ssl.ca.location", "/etc/strait/ca.pem"}});
}

TEST(Identity, SaslUsesTheUserName) {
  Identity id = Scram();
  EXPECT_EQ(id.cluster, "dc2");
  EXPECT_EQ(id.principal, "User:mirror");
  EXPECT_EQ(id.protocol, "sasl_ssl");
  EXPECT_EQ(id.mechanism, "SCRAM-SHA-512");
  EXPECT_EQ(id.ca_location, "/etc/strait/ca.pem");
}

TEST(Identity, WithoutAuthenticationIsAnonymous) {
  EXPECT_EQ(IdentityOf({{"bootstrap.servers", "a:1"}}).principal, "User:ANONYMOUS");
  EXPECT_EQ(IdentityOf({{"security.protocol", "ssl"}}).principal, "User:ANONYMOUS");
  EXPECT_EQ(IdentityOf({{"security.protocol", "sasl_plaintext"}}).principal,
            "the Kerberos principal kafkaclient");
}

TEST(Identity, ClientCertificateGivesItsSubject) {
  TestCertificate c = MakeCertificate("mirror", "DNS:mirror.example", 0, 30);
  std::filesystem::path file = std::filesystem::temp_directory_path() / "strait-identity-test.pem";
  std::ofstream(file) << c.pem;
  Identity id = IdentityOf({{"security.protocol", "SSL"}, {"ssl.certificate.location", file}});
  std::filesystem::remove(file);
  EXPECT_TRUE(id.principal.starts_with("User:CN=mirror (")) << id.principal;
  Identity inline_pem = IdentityOf({{"security.protocol", "SSL"}, {"ssl.certificate.pem", c.pem}});
  EXPECT_TRUE(inline_pem.principal.starts_with("User:CN=mirror (")) << inline_pem.principal;
}

TEST(Identity, SeesThatItsOwnCertificateExpired) {
  TestCertificate c = MakeCertificate("mirror", "DNS:mirror.example", -10, -1);
  Identity id = IdentityOf({{"security.protocol", "SSL"}, {"ssl.certificate.pem", c.pem}});
  EXPECT_TRUE(id.certificate_problem.starts_with("it expired on ")) << id.certificate_problem;
  std::string m = ExplainTlsFailure(
      "ssl://k:9093/1: Receive failed: error:0A000416:SSL routines::sslv3 alert certificate "
      "unknown: SSL alert number 46",
      id);
  EXPECT_TRUE(
      m.starts_with("TLS: the broker refused the connection: strait's client "
                    "certificate is not valid: it expired on "))
      << m;
}

TEST(CertificateFailure, SaysWhenTheBrokerCertificateExpired) {
  TestCertificate c = MakeCertificate("kafka-1", "IP:127.0.0.1", -10, -1);
  CertificateFailure f =
      ReadCertificateFailure(X509_V_ERR_CERT_HAS_EXPIRED, 0, "sasl_ssl://127.0.0.1:9093/bootstrap",
                             c.der.data(), c.der.size());
  EXPECT_EQ(f.broker, "127.0.0.1:9093");
  EXPECT_EQ(f.subject, "CN=kafka-1");
  std::string m = ExplainCertificateFailure(f, Scram());
  EXPECT_TRUE(
      m.starts_with("TLS: the certificate of broker 127.0.0.1:9093 (CN=kafka-1) expired on "))
      << m;
  EXPECT_NE(m.find("renew it"), std::string::npos) << m;
}

TEST(CertificateFailure, NamesTheHostsACertificateIsFor) {
  TestCertificate c = MakeCertificate("kafka-1", "DNS:kafka.elsewhere.example,IP:10.0.0.7", 0, 30);
  CertificateFailure f = ReadCertificateFailure(
      X509_V_ERR_IP_ADDRESS_MISMATCH, 0, "ssl://127.0.0.1:9093/1", c.der.data(), c.der.size());
  std::string m = ExplainCertificateFailure(f, Scram());
  EXPECT_NE(m.find("does not name 127.0.0.1 (hostname mismatch; it names "
                   "DNS:kafka.elsewhere.example, IP:10.0.0.7)"),
            std::string::npos)
      << m;
}

TEST(CertificateFailure, PointsAnUntrustedIssuerAtTheCaLocation) {
  TestCertificate c = MakeCertificate("kafka-1", "IP:127.0.0.1", 0, 30);
  CertificateFailure f =
      ReadCertificateFailure(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0,
                             "sasl_ssl://127.0.0.1:9093/bootstrap", c.der.data(), c.der.size());
  std::string m = ExplainCertificateFailure(f, Scram());
  EXPECT_NE(m.find("is not trusted: its issuer CN=kafka-1 is not among ssl.ca.location "
                   "(/etc/strait/ca.pem)"),
            std::string::npos)
      << m;
}

TEST(Authentication, NamesUserAndMechanismWithoutRetryNoise) {
  std::string m = ExplainAuthenticationFailure(
      "sasl_ssl://127.0.0.1:25251/bootstrap: SASL authentication error: Authentication failed "
      "during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512 (after "
      "332ms in state AUTH_REQ, 1 identical error(s) suppressed)",
      Scram());
  EXPECT_EQ(m,
            "authentication as User:mirror with SCRAM-SHA-512 failed: broker 127.0.0.1:25251: SASL "
            "authentication error: Authentication failed during authentication due to invalid "
            "credentials with SASL mechanism SCRAM-SHA-512: check the user name and password "
            "(sasl.username, sasl.password) and that the brokers have credentials for that user "
            "and mechanism");
}

TEST(TlsFailure, AnAlertAfterTheHandshakeIsARefusedClientCertificate) {
  Identity id = IdentityOf({{"strait.cluster", "dc2"}, {"security.protocol", "SSL"}});
  std::string m = ExplainTlsFailure(
      "ssl://127.0.0.1:25161/bootstrap: Receive failed: error:0A000412:SSL routines::sslv3 alert "
      "bad certificate: SSL alert number 42 (after 0ms in state APIVERSION_QUERY)",
      id);
  EXPECT_TRUE(
      m.starts_with("TLS: the broker refused the connection: the brokers do not trust "
                    "strait's client certificate"))
      << m;
  EXPECT_NE(m.find("set ssl.certificate.location"), std::string::npos) << m;
  EXPECT_EQ(m.find("after 0ms"), std::string::npos) << m;
}

TEST(Denied, NamesClusterPrincipalOperationAndResource) {
  std::string m = ExplainDenied(Scram(), AclOperation::kWrite, AclResourceType::kTopic,
                                "dc1.orders", "TOPIC_AUTHORIZATION_FAILED");
  EXPECT_EQ(
      m,
      "cluster dc2 denied User:mirror WRITE on topic dc1.orders (TOPIC_AUTHORIZATION_FAILED): "
      "no ACL allows it; grant it with: kafka-acls --bootstrap-server <broker> --add "
      "--allow-principal 'User:mirror' --operation Write --topic 'dc1.orders'");
}

TEST(ExplainDenied, APrefixIsGrantedAsAPrefix) {
  std::string m = ExplainDenied(Scram(), AclOperation::kWrite, AclResourceType::kTransactionalId,
                                "strait.dc1.dc2.", "TRANSACTIONAL_ID_AUTHORIZATION_FAILED",
                                AclPatternType::kPrefixed);
  EXPECT_EQ(m,
            "cluster dc2 denied User:mirror WRITE on transactional ids starting with "
            "strait.dc1.dc2. (TRANSACTIONAL_ID_AUTHORIZATION_FAILED): no ACL allows it; grant it "
            "with: kafka-acls --bootstrap-server <broker> --add --allow-principal 'User:mirror' "
            "--operation Write --transactional-id 'strait.dc1.dc2.' --resource-pattern-type "
            "prefixed");
}

TEST(BrokerAddress, DropsProtocolAndNode) {
  EXPECT_EQ(BrokerAddress("sasl_ssl://127.0.0.1:9093/bootstrap"), "127.0.0.1:9093");
  EXPECT_EQ(BrokerAddress("ssl://kafka-1:9093/3"), "kafka-1:9093");
  EXPECT_EQ(BrokerAddress("kafka-1:9093"), "kafka-1:9093");
}

}  // namespace
}  // namespace strait::kafka
