#include "config/config.h"

#include <gtest/gtest.h>

#include "base/redact.h"

namespace strait::config {
namespace {

constexpr const char* kClusters = R"(clusters:
  dc1: { bootstrap.servers: "127.0.0.1:19092" }
  dc2: { bootstrap.servers: "127.0.0.1:29092" }
)";

TEST(Config, ParsesTheDesignExample) {
  Result<Config> c = ParseConfig(std::string(kClusters) + R"(flows:
  - source: dc1
    target: dc2
    topics: ["orders.*", "payments"]
    topics.exclude: []
    naming: prefix
    groups: [".*"]
http:
  listen: "127.0.0.1:9644"
)",
                                 "strait.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->flows.size(), 1u);
  const FlowConfig& f = c->flows[0];
  EXPECT_EQ(f.Name(), "dc1->dc2");
  EXPECT_EQ(f.topics, (std::vector<std::string>{"orders.*", "payments"}));
  EXPECT_EQ(f.naming, Naming::kPrefix);
  EXPECT_EQ(c->http.port, 9644);
  EXPECT_EQ(c->Cluster("dc1").Bootstrap(), "127.0.0.1:19092");
}

TEST(Config, RoleOverridesFollowCommonProperties) {
  Result<Config> c = ParseConfig(R"(clusters:
  dc1:
    bootstrap.servers: "a:1"
    client.id: common
    consumer: { client.id: reader, fetch.max.bytes: 1048576 }
  dc2: { bootstrap.servers: "b:1" }
flows: [{source: dc1, target: dc2}]
)",
                                 "s.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  kafka::Properties p = c->Cluster("dc1").ConsumerProperties();
  ASSERT_EQ(p.size(), 5u);
  // The alias comes first, for messages (kafka/security.h); librdkafka never sees it.
  EXPECT_EQ(p[0], (std::pair<std::string, std::string>{"strait.cluster", "dc1"}));
  EXPECT_EQ(p[3], (std::pair<std::string, std::string>{"client.id", "reader"}));
  EXPECT_EQ(c->Cluster("dc1").ProducerProperties().size(), 3u);
}

// The one strait.* property an operator may set: librdkafka's statistics go to a file
// (bench/run.py --timeline), for the producer only here.
TEST(Config, AStatisticsFileMayBeSetForAClientRole) {
  Result<Config> c = ParseConfig(R"(clusters:
  dc1: { bootstrap.servers: "a:1" }
  dc2:
    bootstrap.servers: "b:1"
    producer: { statistics.interval.ms: 250, strait.statistics.file: /tmp/p.jsonl }
flows: [{source: dc1, target: dc2}]
)",
                                 "s.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  kafka::Properties p = c->Cluster("dc2").ProducerProperties();
  EXPECT_EQ(p.back(),
            (std::pair<std::string, std::string>{"strait.statistics.file", "/tmp/p.jsonl"}));
  EXPECT_EQ(c->Cluster("dc2").ConsumerProperties().size(), 2u);
}

TEST(Config, Mm2TakeoverKeys) {
  Result<Config> c = ParseConfig(std::string(kClusters) + R"(flows:
  - source: dc1
    target: dc2
    mm2.takeover: true
    mm2.offsets.topic: my-mirrormaker-offsets
)",
                                 "s.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_TRUE(c->flows[0].mm2_takeover);
  EXPECT_EQ(c->flows[0].mm2_offsets_topic, "my-mirrormaker-offsets");
}

struct BadConfig {
  const char* name;
  std::string yaml;
  const char* message;  // must appear in the error
};

// Each malformed config and the message a user must see: file, line, column, key, and
// what was expected.
const BadConfig kBadConfigs[] = {
    {"YamlSyntax", "clusters: [dc1\nflows: x\n", "s.yaml:2:6: invalid YAML"},
    {"NotAMap", "- a\n- b\n",
     "s.yaml: expected a map with \"clusters\" and \"flows\" at the top, got a list"},
    {"UnknownTopLevelKey",
     std::string(kClusters) + "flows: [{source: dc1, target: dc2}]\nflow: []\n",
     "s.yaml:5:1: flow: unknown key; did you mean \"flows\"?"},
    {"MissingClusters", "flows: [{source: dc1, target: dc2}]\n",
     "s.yaml: clusters: missing; define at least two clusters"},
    {"ClusterNotAMap", "clusters:\n  dc1: 127.0.0.1:9092\nflows: []\n",
     "s.yaml:2:8: clusters.dc1: expected a map, got \"127.0.0.1:9092\""},
    {"MissingBootstrap",
     "clusters:\n  dc1: { client.id: x }\n  dc2: { bootstrap.servers: b }\nflows: [{source: dc1, "
     "target: dc2}]\n",
     "s.yaml:2:8: clusters.dc1: missing \"bootstrap.servers\""},
    {"UnknownClientProperty",
     "clusters:\n  dc1: { bootstrap.servers: a, fetch.max.bites: 5 }\n  dc2: { bootstrap.servers: "
     "b }\nflows: [{source: dc1, target: dc2}]\n",
     "s.yaml:2:32: clusters.dc1.fetch.max.bites: No such configuration property: "
     "\"fetch.max.bites\""},
    {"BadClientPropertyValue",
     "clusters:\n  dc1: { bootstrap.servers: a, socket.timeout.ms: soon }\n  dc2: { "
     "bootstrap.servers: b }\nflows: [{source: dc1, target: dc2}]\n",
     "s.yaml:2:32: clusters.dc1.socket.timeout.ms: Invalid value for configuration property "
     "\"socket.timeout.ms\" (got \"soon\")"},
    {"BadAlias",
     "clusters:\n  dc.1: { bootstrap.servers: a }\n  dc2: { bootstrap.servers: b }\nflows: "
     "[{source: dc.1, target: dc2}]\n",
     "s.yaml:2:9: clusters.dc.1: a cluster alias may contain only letters, digits"},
    {"MissingFlows", kClusters, "s.yaml: flows: missing; define at least one flow"},
    {"EmptyFlows", std::string(kClusters) + "flows: []\n",
     "s.yaml:4:8: flows: expected a list of flows, got a list"},
    {"UnknownSource", std::string(kClusters) + "flows:\n  - source: dc3\n    target: dc2\n",
     "s.yaml:5:13: flows[0].source: unknown cluster \"dc3\"; did you mean \"dc1\"?"},
    {"MissingTarget", std::string(kClusters) + "flows:\n  - source: dc1\n",
     "s.yaml:5:5: flows[0]: missing \"target\" (a cluster alias)"},
    {"SourceIsTarget", std::string(kClusters) + "flows:\n  - source: dc1\n    target: dc1\n",
     "s.yaml:5:5: flows[0]: source and target are both \"dc1\""},
    {"BadNaming",
     std::string(kClusters) + "flows:\n  - source: dc1\n    target: dc2\n    naming: prefx\n",
     "s.yaml:7:13: flows[0].naming: expected \"prefix\" or \"identity\", got \"prefx\""},
    {"LocalWithoutProvenance",
     std::string(kClusters) + "flows:\n  - source: dc1\n    target: dc2\n    forward: local\n    "
                              "provenance.headers: false\n",
     "s.yaml:7:14: flows[0].forward: \"local\" needs provenance.headers: true (the header says "
     "where a record was produced)"},
    {"TakeoverWithoutProvenance",
     std::string(kClusters) + "flows:\n  - source: dc1\n    target: dc2\n    mm2.takeover: true\n  "
                              "  provenance.headers: false\n",
     "s.yaml:7:19: flows[0].mm2.takeover: needs provenance.headers: true"},
    {"BadForward",
     std::string(kClusters) + "flows:\n  - source: dc1\n    target: dc2\n    forward: mine\n",
     "s.yaml:7:14: flows[0].forward: expected \"all\" or \"local\", got \"mine\""},
    {"BadRegex",
     std::string(kClusters) +
         "flows:\n  - source: dc1\n    target: dc2\n    topics: [\"orders(\"]\n",
     "s.yaml:7:13: flows[0].topics: \"orders(\" is not a valid regular expression"},
    {"HugeBackReference",  // the config fuzzer's crash: std::regex overflowed on the number
     std::string(kClusters) +
         "flows:\n  - source: dc1\n    target: dc2\n    topics.exclude: [\"a\\\\11111111111\"]\n",
     "s.yaml:7:21: flows[0].topics.exclude: \"a\\11111111111\" is not a valid regular expression: "
     "the number in \\11111111111 is over 255"},
    {"TopicsNotAList",
     std::string(kClusters) + "flows:\n  - source: dc1\n    target: dc2\n    topics: {a: b}\n",
     "s.yaml:7:13: flows[0].topics: expected a list of regular expressions, got a map"},
    {"UnknownFlowKey",
     std::string(kClusters) + "flows:\n  - source: dc1\n    target: dc2\n    topic: [a]\n",
     "s.yaml:7:5: flows[0].topic: unknown key; did you mean \"topics\"?"},
    {"BadBool",
     std::string(kClusters) +
         "flows:\n  - source: dc1\n    target: dc2\n    provenance.headers: yes please\n",
     "s.yaml:7:25: flows[0].provenance.headers: expected true or false, got \"yes please\""},
    {"BadNumber",
     std::string(kClusters) +
         "flows:\n  - source: dc1\n    target: dc2\n    replication.factor: three\n",
     "s.yaml:7:25: flows[0].replication.factor: expected a whole number, got \"three\""},
    {"NumberOutOfRange",
     std::string(kClusters) +
         "flows:\n  - source: dc1\n    target: dc2\n    refresh.interval.ms: 0\n",
     "s.yaml:7:26: flows[0].refresh.interval.ms: expected a number from 1 to 86400000, got 0"},
    {"DuplicateFlow",
     std::string(kClusters) +
         "flows:\n  - {source: dc1, target: dc2}\n  - {source: dc1, target: dc2}\n",
     "s.yaml:6:5: flows[1]: a second flow dc1->dc2"},
    {"BadListen",
     std::string(kClusters) +
         "flows: [{source: dc1, target: dc2}]\nhttp: { listen: \"localhost\" }\n",
     "s.yaml:5:17: http.listen: expected HOST:PORT (for example \"127.0.0.1:9644\"), got "
     "\"localhost\""},
    // Found by fuzz/config_fuzz.cc: a key that is not a name (a null, a list) used to throw
    // out of yaml-cpp and abort the process.
    {"NullKey", std::string(kClusters) + "flows: [{source: dc1, target: dc2}]\n~: 1\n",
     "s.yaml:5:1: (a key): expected a name, got nothing"},
    {"ListKeyInFlow",
     std::string(kClusters) + "flows:\n  - source: dc1\n    target: dc2\n    [a, b]: 1\n",
     "s.yaml:7:5: flows[0].(a key): expected a name, got a list"},
    {"MapKeyInCluster",
     "clusters:\n  dc1: { bootstrap.servers: a, {x: 1}: 2 }\n  dc2: { bootstrap.servers: b "
     "}\nflows: [{source: dc1, target: dc2}]\n",
     "s.yaml:2:32: clusters.dc1.(a key): expected a name, got a map"},
    {"ListAlias", "clusters:\n  [dc1]: { bootstrap.servers: a }\nflows: []\n",
     "s.yaml:2:3: clusters.(a key): expected a name, got a list"},
    // Found by fuzz/config_fuzz.cc: bytes that are not UTF-8 reached JSON output (/status).
    {"NotUtf8",
     std::string(kClusters) + "flows:\n  - source: dc1\n    target: dc2\n    separator: \"\xE4\"\n",
     "s.yaml:7:17: invalid YAML: the file is not UTF-8 text (byte 0xe4); save it as UTF-8"},
    // Found by fuzz/operator_file_fuzz.cc: yaml-cpp decodes "\_" and "\N" to bytes that are
    // not UTF-8.
    {"EscapeNotUtf8",
     std::string(kClusters) + "flows:\n  - source: dc1\n    target: dc2\n    separator: \"\\_\"\n",
     "s.yaml:7:16: flows[0].separator: not valid UTF-8 after decoding its escapes"},
    {"BadLogLevel",
     std::string(kClusters) + "flows: [{source: dc1, target: dc2}]\nlog: { level: loud }\n",
     "s.yaml:5:15: log.level: expected one of trace, debug, info, warn, error, got \"loud\""},
    {"BadLogFormat",
     std::string(kClusters) + "flows: [{source: dc1, target: dc2}]\nlog: { format: xml }\n",
     "s.yaml:5:16: log.format: expected \"text\" or \"json\", got \"xml\""},
    {"UnsetVariable",
     "clusters:\n  dc1: { bootstrap.servers: a, sasl.password: \"${env:STRAIT_TEST_UNSET_VAR}\" "
     "}\n  dc2: { bootstrap.servers: b }\nflows: [{source: dc1, target: dc2}]\n",
     "s.yaml:2:47: clusters.dc1.sasl.password: ${env:STRAIT_TEST_UNSET_VAR}: the environment "
     "variable STRAIT_TEST_UNSET_VAR is not set"},
    {"UnreadableFile",
     "clusters:\n  dc1: { bootstrap.servers: a, sasl.password: \"${file:/nonexistent/pw}\" }\n  "
     "dc2: { bootstrap.servers: b }\nflows: [{source: dc1, target: dc2}]\n",
     "s.yaml:2:47: clusters.dc1.sasl.password: ${file:/nonexistent/pw}: cannot read "
     "/nonexistent/pw: No such file or directory"},
    {"UnknownReference",
     std::string(kClusters) + "flows:\n  - source: dc1\n    target: ${vault:dc2}\n",
     "s.yaml:6:13: flows[0].target: ${vault:dc2}: unknown reference; expected ${env:NAME} or "
     "${file:/path}"},
    {"ReservedProperty",
     "clusters:\n  dc1: { bootstrap.servers: a, strait.cluster: dc9 }\n  dc2: { bootstrap.servers: "
     "b }\nflows: [{source: dc1, target: dc2}]\n",
     "s.yaml:2:32: clusters.dc1.strait.cluster: names starting with \"strait.\" are strait's own"},
    {"TlsKeyWithoutCertificate",
     std::string(kClusters) + "flows: [{source: dc1, target: dc2}]\nhttp: { tls.key: /dev/null }\n",
     "s.yaml:5:7: http: tls.certificate and tls.key go together"},
    {"UnreadableTlsCertificate",
     std::string(kClusters) + "flows: [{source: dc1, target: dc2}]\nhttp: { tls.certificate: "
                              "/nonexistent/c.pem, tls.key: /dev/null }\n",
     "s.yaml:5:26: http.tls.certificate: cannot read /nonexistent/c.pem: No such file or "
     "directory"},
    {"ShortToken",
     std::string(kClusters) + "flows: [{source: dc1, target: dc2}]\nhttp: { token: abc }\n",
     "s.yaml:5:16: http.token: a bearer token needs at least 16 characters"},
};

class MalformedConfig : public testing::TestWithParam<BadConfig> {};

TEST_P(MalformedConfig, NamesFileLineKeyAndExpectation) {
  Result<Config> c = ParseConfig(GetParam().yaml, "s.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find(GetParam().message), std::string::npos)
      << "got: " << c.status().message();
}

INSTANTIATE_TEST_SUITE_P(Table, MalformedConfig, testing::ValuesIn(kBadConfigs),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Config, ReportsEveryProblemAtOnce) {
  Result<Config> c = ParseConfig(
      std::string(kClusters) + "flows:\n  - source: dc9\n    target: dc2\n    naming: x\n",
      "s.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("flows[0].source"), std::string::npos);
  EXPECT_NE(c.status().message().find("flows[0].naming"), std::string::npos);
}

TEST(Config, SecretValuesNeverAppearInErrors) {
  Result<Config> c = ParseConfig(R"(clusters:
  dc1: { bootstrap.servers: a, sasl.password: "Sup3rSecretPw", security.protocol: "Sup3rSecretPw" }
  dc2: { bootstrap.servers: b }
flows: [{source: dc1, target: dc2}]
)",
                                 "s.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message().find("Sup3rSecretPw"), std::string::npos);
  EXPECT_EQ(Redact("password is Sup3rSecretPw"), "password is [redacted]");
}

TEST(Config, LogFormatIsTextUnlessJsonIsAsked) {
  std::string base = std::string(kClusters) + "flows: [{source: dc1, target: dc2}]\n";
  Result<Config> text = ParseConfig(base, "s.yaml");
  Result<Config> json = ParseConfig(base + "log: { format: json, level: debug }\n", "s.yaml");
  ASSERT_TRUE(text.ok() && json.ok());
  EXPECT_EQ(text->log_format, "text");
  EXPECT_EQ(json->log_format, "json");
  EXPECT_EQ(json->log_level, "debug");
}

TEST(Config, GroupSectionNamesTheInstance) {
  std::string base = std::string(kClusters) + "flows: [{source: dc1, target: dc2}]\n";
  Result<Config> off = ParseConfig(base + "http: { listen: \"127.0.0.1:9700\" }\n", "s.yaml");
  ASSERT_TRUE(off.ok()) << off.status().message();
  EXPECT_FALSE(off->group.enabled);
  EXPECT_TRUE(off->group.instance_id.ends_with("-9700")) << off->group.instance_id;
  Result<Config> on = ParseConfig(
      base + "group: { enabled: true, instance.id: a-1, session.timeout.ms: 6000 }\n", "s.yaml");
  ASSERT_TRUE(on.ok()) << on.status().message();
  EXPECT_TRUE(on->group.enabled);
  EXPECT_EQ(on->group.instance_id, "a-1");
  EXPECT_EQ(on->group.prefix, "strait.");
  EXPECT_EQ(on->group.session_timeout.count(), 6000);
  EXPECT_EQ(on->group.commit_interval.count(), 1000);
  Result<Config> fast = ParseConfig(base + "group: { commit.interval.ms: 100 }\n", "s.yaml");
  ASSERT_TRUE(fast.ok()) << fast.status().message();
  EXPECT_EQ(fast->group.commit_interval.count(), 100);
  Result<Config> too_fast = ParseConfig(base + "group: { commit.interval.ms: 1 }\n", "s.yaml");
  ASSERT_FALSE(too_fast.ok());
  EXPECT_NE(too_fast.status().message().find("s.yaml:5:30: group.commit.interval.ms"),
            std::string::npos)
      << too_fast.status().message();
  Result<Config> bad = ParseConfig(base + "group: { instance.id: \"a/b\" }\n", "s.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("s.yaml:5:23: group.instance.id"), std::string::npos)
      << bad.status().message();
}

TEST(Config, ResumeSettleIsRefusedInGroupMode) {
  const std::string flows =
      std::string(kClusters) + "flows: [{source: dc1, target: dc2, resume.settle.ms: 5000}]\n";
  Result<Config> off = ParseConfig(flows, "s.yaml");
  ASSERT_TRUE(off.ok()) << off.status().message();
  EXPECT_EQ(off->flows[0].resume_settle.count(), 5000);
  Result<Config> on = ParseConfig(flows + "group: { enabled: true }\n", "s.yaml");
  ASSERT_FALSE(on.ok());
  EXPECT_NE(on.status().message().find(
                "s.yaml:4:54: flows[0].resume.settle.ms: has no use with group.enabled: true"),
            std::string::npos)
      << on.status().message();
}

TEST(Config, FlowFingerprintIgnoresWhatMayDifferBetweenInstances) {
  FlowConfig a;
  a.source = "dc1";
  a.target = "dc2";
  FlowConfig paced = a;
  paced.refresh_interval = milliseconds(1000);
  paced.max_inflight_bytes = 1 << 20;
  EXPECT_EQ(FlowFingerprint(a), FlowFingerprint(paced));
  FlowConfig other_topics = a;
  other_topics.topics = {"orders"};
  EXPECT_NE(FlowFingerprint(a), FlowFingerprint(other_topics));
  FlowConfig identity = a;
  identity.naming = Naming::kIdentity;
  EXPECT_NE(FlowFingerprint(a), FlowFingerprint(identity));
}

Environment FakeEnvironment() {
  return {[](const std::string& name) -> std::optional<std::string> {
            if (name == "DC1_PASSWORD") return "pw-from-env-4711";
            return std::nullopt;
          },
          [](const std::string& path) -> Result<std::string> {
            if (path == "/run/secrets/token") return std::string("token-from-file-0123456789\n");
            return InvalidArgument("cannot read " + path);
          }};
}

TEST(Config, ResolvesReferencesAndRedactsWhatTheyHold) {
  Result<Config> c = ParseConfig(R"(clusters:
  dc1: { bootstrap.servers: a, sasl.username: "${env:DC1_USER}", sasl.password: "${env:DC1_PASSWORD}" }
  dc2: { bootstrap.servers: b }
flows: [{source: dc1, target: dc2, sync.topic.acls: false, sync.group.acls: true, sync.acls.interval.ms: 1000}]
http: { token: "${file:/run/secrets/token}" }
)",
                                 "s.yaml", FakeEnvironment());
  ASSERT_FALSE(c.ok());  // DC1_USER is not set
  EXPECT_NE(c.status().message().find("${env:DC1_USER}"), std::string::npos);
  c = ParseConfig(R"(clusters:
  dc1: { bootstrap.servers: a, sasl.password: "${env:DC1_PASSWORD}" }
  dc2: { bootstrap.servers: b }
flows: [{source: dc1, target: dc2, sync.topic.acls: false, sync.group.acls: true, sync.acls.interval.ms: 1000}]
http: { token: "${file:/run/secrets/token}" }
)",
                  "s.yaml", FakeEnvironment());
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->Cluster("dc1").properties[1].second, "pw-from-env-4711");
  EXPECT_EQ(c->http.token, "token-from-file-0123456789");  // without the file's newline
  EXPECT_FALSE(c->flows[0].sync_topic_acls);
  EXPECT_TRUE(c->flows[0].sync_group_acls);
  EXPECT_EQ(c->flows[0].acl_sync_interval.count(), 1000);
  EXPECT_EQ(Redact("pw-from-env-4711 token-from-file-0123456789"), "[redacted] [redacted]");
}

TEST(Config, MissingFileNamesThePath) {
  Result<Config> c = LoadConfigFile("/nonexistent/strait.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "/nonexistent/strait.yaml: cannot read the config file: No such file or directory");
}

}  // namespace
}  // namespace strait::config
