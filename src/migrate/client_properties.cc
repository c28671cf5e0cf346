// Java Kafka client properties -> librdkafka properties (mm2_model.h).
//
// Most names are the same in both clients, and librdkafka itself (PropertyCheck) says which
// ones it knows. The rest: a few renames, TLS stores (Java reads JKS, librdkafka PEM and
// PKCS#12), SASL credentials inside sasl.jaas.config, and the settings strait keeps for its
// guarantees.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "migrate/mm2_model.h"

namespace strait::migrate {
namespace {

struct Sink {
  const PropertyCheck& check;
  kafka::Properties* out;
  std::vector<Untranslated>* skipped;
  std::set<std::string> done;  // Java keys already handled

  void Skip(const ClientValue& v, std::string reason) {
    skipped->push_back({v.line, v.written_key, std::move(reason)});
  }
  // Adds a librdkafka property unless librdkafka rejects it; the reason never holds the value
  // of a secret (ValidateProperties' messages do not).
  void Add(const ClientValue& v, const std::string& key, const std::string& value) {
    std::string why = check(key, value);
    if (why.find("No such configuration property") != std::string::npos) {
      Skip(v, "a Java client setting librdkafka does not have");
    } else if (!why.empty()) {
      Skip(v, "librdkafka rejects it: " + why);
    } else {
      out->emplace_back(key, value);
    }
  }
};

// Settings strait fixes for its guarantees (docs/configuration.md) or that only Java has.
const std::map<std::string, std::string>& Managed() {
  static const std::map<std::string, std::string> kManaged = [] {
    const std::string guarantee =
        "strait sets it for its guarantees (idempotent, acks=all, never gives up)";
    const std::string bytes = "strait copies bytes; there is nothing to (de)serialize";
    return std::map<std::string, std::string>{
        {"enable.idempotence", guarantee},
        {"acks", guarantee},
        {"delivery.timeout.ms", guarantee},
        {"retries", guarantee},
        {"max.in.flight.requests.per.connection", guarantee},
        {"enable.auto.commit", "strait keeps its progress in the target, never in a source group"},
        {"group.id", "strait's consumers are assigned partitions; they join no group"},
        {"key.serializer", bytes},
        {"value.serializer", bytes},
        {"key.deserializer", bytes},
        {"value.deserializer", bytes},
    };
  }();
  return kManaged;
}

// Same meaning, another name (or another spelling of "the OS default").
std::optional<std::pair<std::string, std::string>> Renamed(const std::string& key,
                                                           const std::string& value) {
  std::string v = Trim(value);
  auto os_default = [&](const std::string& to) {
    return std::make_pair(to, v == "-1" ? std::string("0") : v);
  };
  if (key == "max.request.size") return std::make_pair(std::string("message.max.bytes"), v);
  if (key == "fetch.max.wait.ms") return std::make_pair(std::string("fetch.wait.max.ms"), v);
  if (key == "send.buffer.bytes") return os_default("socket.send.buffer.bytes");
  if (key == "receive.buffer.bytes") return os_default("socket.receive.buffer.bytes");
  if (key == "ssl.endpoint.identification.algorithm") {
    return std::make_pair(key, v.empty() ? std::string("none") : v);
  }
  if (key == "bootstrap.servers") {
    std::string joined;
    for (const std::string& s : SplitList(value)) joined += (joined.empty() ? "" : ",") + s;
    return std::make_pair(key, joined);
  }
  return std::nullopt;
}

std::string StoreType(const ClientMap& in, const std::string& prefix, Sink* sink) {
  auto it = in.find(prefix + ".type");
  if (it == in.end()) return "JKS";  // Java's default
  sink->done.insert(prefix + ".type");
  std::string t = Trim(it->second.value);
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::toupper(c); });
  return t;
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Java's truststore -> librdkafka's CA certificates.
void TranslateTruststore(const ClientMap& in, Sink* sink) {
  std::string type = StoreType(in, "ssl.truststore", sink);
  auto location = in.find("ssl.truststore.location");
  auto password = in.find("ssl.truststore.password");
  auto pem = in.find("ssl.truststore.certificates");
  if (pem != in.end()) sink->Add(pem->second, "ssl.ca.pem", pem->second.value);
  if (location != in.end()) {
    if (type == "PEM") {
      sink->Add(location->second, "ssl.ca.location", Trim(location->second.value));
    } else {
      sink->Skip(location->second,
                 fmt::format("a {} truststore: librdkafka reads CA certificates as PEM; export "
                             "them (keytool -exportcert -rfc) and set ssl.ca.location",
                             type));
    }
  }
  if (password != in.end() && type != "PEM") {
    sink->Skip(password->second, "belongs to the truststore (see ssl.truststore.location)");
  }
  for (const char* k :
       {"ssl.truststore.location", "ssl.truststore.password", "ssl.truststore.certificates"}) {
    sink->done.insert(k);
  }
}

// Java's keystore -> librdkafka's client certificate and key.
void TranslateKeystore(const ClientMap& in, Sink* sink) {
  std::string type = StoreType(in, "ssl.keystore", sink);
  auto location = in.find("ssl.keystore.location");
  auto password = in.find("ssl.keystore.password");
  auto key_password = in.find("ssl.key.password");
  auto key_pem = in.find("ssl.keystore.key");
  auto chain_pem = in.find("ssl.keystore.certificate.chain");
  if (key_pem != in.end()) sink->Add(key_pem->second, "ssl.key.pem", key_pem->second.value);
  if (chain_pem != in.end()) {
    sink->Add(chain_pem->second, "ssl.certificate.pem", chain_pem->second.value);
  }
  bool pkcs12 = false, pem = type == "PEM" || key_pem != in.end();
  if (location != in.end()) {
    std::string path = Trim(location->second.value);
    pkcs12 = type == "PKCS12" || EndsWith(path, ".p12") || EndsWith(path, ".pfx");
    if (pkcs12) {
      sink->Add(location->second, "ssl.keystore.location", path);
    } else if (type == "PEM") {  // one file with the key and the certificate chain
      sink->Add(location->second, "ssl.certificate.location", path);
      sink->Add(location->second, "ssl.key.location", path);
    } else {
      sink->Skip(location->second,
                 fmt::format("a {} keystore: librdkafka reads PKCS#12 or PEM; convert it "
                             "(keytool -importkeystore -deststoretype PKCS12) and set "
                             "ssl.keystore.location",
                             type));
    }
  }
  if (password != in.end()) {
    if (pkcs12) {
      sink->Add(password->second, "ssl.keystore.password", password->second.value);
    } else if (!pem) {
      sink->Skip(password->second, "belongs to the keystore (see ssl.keystore.location)");
    }
  }
  if (key_password != in.end()) {
    if (pem) {
      sink->Add(key_password->second, "ssl.key.password", key_password->second.value);
    } else {
      sink->Skip(key_password->second,
                 pkcs12 ? "librdkafka opens a PKCS#12 keystore with ssl.keystore.password alone"
                        : "belongs to the keystore (see ssl.keystore.location)");
    }
  }
  for (const char* k : {"ssl.keystore.location", "ssl.keystore.password", "ssl.key.password",
                        "ssl.keystore.key", "ssl.keystore.certificate.chain"}) {
    sink->done.insert(k);
  }
}

// Options of a JAAS login module line: Module required key="value" key2=value2;
std::optional<std::map<std::string, std::string>> JaasOptions(const std::string& jaas,
                                                              std::string* module) {
  size_t i = 0;
  auto skip_space = [&] {
    while (i < jaas.size() && std::isspace(static_cast<unsigned char>(jaas[i]))) ++i;
  };
  auto word = [&] {
    skip_space();
    size_t b = i;
    while (i < jaas.size() && !std::isspace(static_cast<unsigned char>(jaas[i])) &&
           jaas[i] != '=' && jaas[i] != ';') {
      ++i;
    }
    return jaas.substr(b, i - b);
  };
  *module = word();
  word();  // the control flag: required, sufficient, ...
  std::map<std::string, std::string> options;
  while (true) {
    skip_space();
    if (i >= jaas.size() || jaas[i] == ';') break;
    std::string key = word();
    skip_space();
    if (key.empty() || i >= jaas.size() || jaas[i] != '=') return std::nullopt;
    ++i;
    skip_space();
    std::string value;
    if (i < jaas.size() && jaas[i] == '"') {
      for (++i; i < jaas.size() && jaas[i] != '"'; ++i) {
        if (jaas[i] == '\\' && i + 1 < jaas.size()) ++i;
        value.push_back(jaas[i]);
      }
      if (i >= jaas.size()) return std::nullopt;
      ++i;
    } else {
      value = word();
    }
    options[key] = value;
  }
  return options;
}

void TranslateJaas(const ClientMap& in, Sink* sink) {
  auto it = in.find("sasl.jaas.config");
  if (it == in.end()) return;
  sink->done.insert(it->first);
  std::string module;
  auto options = JaasOptions(it->second.value, &module);
  auto has = [&](const char* k) { return options && options->count(k) != 0; };
  if (EndsWith(module, "PlainLoginModule") || EndsWith(module, "ScramLoginModule")) {
    if (has("username") && has("password")) {
      sink->Add(it->second, "sasl.username", options->at("username"));
      sink->Add(it->second, "sasl.password", options->at("password"));
      return;
    }
  } else if (EndsWith(module, "Krb5LoginModule")) {
    if (has("keyTab")) sink->Add(it->second, "sasl.kerberos.keytab", options->at("keyTab"));
    if (has("principal")) {
      sink->Add(it->second, "sasl.kerberos.principal", options->at("principal"));
    }
    if (has("keyTab") || has("principal")) return;
  } else if (EndsWith(module, "OAuthBearerLoginModule")) {
    sink->Skip(it->second,
               "OAUTHBEARER: set librdkafka's sasl.oauthbearer.* properties "
               "(sasl.oauthbearer.method: oidc and its client id, secret and "
               "token endpoint)");
    return;
  }
  sink->Skip(it->second,
             "a JAAS configuration strait cannot read: set sasl.username and "
             "sasl.password (PLAIN, SCRAM) or sasl.kerberos.* (GSSAPI)");
}

// Java-only TLS and SASL plumbing.
std::optional<std::string> JavaSecurityReason(const std::string& key) {
  if (key == "ssl.cipher.suites") {
    return "Java cipher suite names; librdkafka's ssl.cipher.suites takes OpenSSL names";
  }
  if (key == "ssl.protocol" || key == "ssl.enabled.protocols") {
    return "librdkafka negotiates the TLS version with OpenSSL";
  }
  static const std::set<std::string> kJava = {"ssl.provider",
                                              "ssl.keymanager.algorithm",
                                              "ssl.trustmanager.algorithm",
                                              "ssl.secure.random.implementation",
                                              "ssl.engine.factory.class",
                                              "sasl.login.callback.handler.class",
                                              "sasl.client.callback.handler.class",
                                              "sasl.login.class"};
  if (kJava.count(key) != 0) return "a Java security provider setting; librdkafka uses OpenSSL";
  return std::nullopt;
}

void TranslateOne(const std::string& key, const ClientValue& v, Role role, ClusterOut* cluster,
                  Sink* sink) {
  if (key == "auto.offset.reset") {
    std::string value = Trim(v.value);
    if (role == Role::kConsumer && (value == "earliest" || value == "latest")) {
      cluster->start_offset = value;  // becomes the start.offset of flows from this cluster
    } else {
      sink->Skip(v,
                 "strait starts a partition MirrorMaker 2 never mirrored at the flow's "
                 "start.offset (earliest or latest)");
    }
    return;
  }
  if (key == "isolation.level") {
    if (Trim(v.value) != "read_committed") {
      sink->Skip(v,
                 "strait reads read_committed: records of aborted transactions are not "
                 "mirrored");
    }
    return;
  }
  auto managed = Managed().find(key);
  if (managed != Managed().end()) return sink->Skip(v, managed->second);
  if (auto reason = JavaSecurityReason(key)) return sink->Skip(v, *reason);
  if (auto renamed = Renamed(key, v.value)) return sink->Add(v, renamed->first, renamed->second);
  sink->Add(v, key, v.value);
}

}  // namespace

void TranslateClient(const ClientMap& in, Role role, const PropertyCheck& check,
                     kafka::Properties* out, ClusterOut* cluster,
                     std::vector<Untranslated>* skipped) {
  Sink sink{check, out, skipped, {}};
  ClientMap usable;
  for (const auto& [key, v] : in) {
    if (v.value.find("${") == std::string::npos) {
      usable.emplace(key, v);
    } else {
      sink.Skip(v,
                "the value comes from a config provider (${...}), which strait does not "
                "have: write the value into strait's config");
    }
  }
  TranslateTruststore(usable, &sink);
  TranslateKeystore(usable, &sink);
  TranslateJaas(usable, &sink);
  for (const auto& [key, v] : usable) {
    if (sink.done.count(key) == 0) TranslateOne(key, v, role, cluster, &sink);
  }
}

}  // namespace strait::migrate
