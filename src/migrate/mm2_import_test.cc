#include "migrate/mm2_import.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "config/config.h"
#include "kafka/client.h"

namespace strait::migrate {
namespace {

// librdkafka's own verdict, as the CLI uses it.
std::string Check(const std::string& key, const std::string& value) {
  Status s = kafka::ValidateProperties({{key, value}}, /*consumer=*/false);
  return s.ok() ? "" : s.message();
}

Mm2Import Import(std::string_view text) {
  Result<Mm2Import> r = ImportMm2(text, "mm2.properties", Check);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : Mm2Import{};
}

// The generated config, read back by strait's own config loader.
config::Config Load(const Mm2Import& imported) {
  Result<config::Config> c = config::ParseConfig(imported.yaml, "strait.yaml");
  EXPECT_TRUE(c.ok()) << c.status().message() << "\n" << imported.yaml;
  return c.ok() ? *c : config::Config{};
}

// The reason given for the key on `line`, or "" when it was translated.
std::string Reason(const Mm2Import& imported, int line) {
  for (const Untranslated& u : imported.untranslated) {
    if (u.line == line) return u.reason;
  }
  return "";
}

std::string Value(const kafka::Properties& props, const std::string& key) {
  for (const auto& [k, v] : props) {
    if (k == key) return v;
  }
  return "<unset>";
}

// Apache Kafka's sample config (testdata/connect-mirror-maker.properties says more).
std::string KafkaSample() {
  std::ifstream in(std::string(STRAIT_MIGRATE_TESTDATA) + "/connect-mirror-maker.properties");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Mm2Import, KafkasSampleConfig) {
  Mm2Import imported = Import(KafkaSample());
  config::Config c = Load(imported);
  ASSERT_EQ(c.clusters.size(), 2u);
  EXPECT_EQ(c.Cluster("A").Bootstrap(), "A_host1:9092,A_host2:9092,A_host3:9092");
  ASSERT_EQ(c.flows.size(), 2u);
  for (const config::FlowConfig& f : c.flows) {
    EXPECT_EQ(f.topics, std::vector<std::string>{".*"});
    EXPECT_EQ(f.replication_factor, 1);
    EXPECT_EQ(f.naming, config::Naming::kPrefix);
    EXPECT_FALSE(f.sync_group_offsets);  // MirrorMaker 2's default
    EXPECT_TRUE(f.mm2_takeover);
  }
  EXPECT_EQ(c.flows[0].Name(), "A->B");
  EXPECT_EQ(c.flows[1].Name(), "B->A");
  // The six internal-topic replication factors have no strait equivalent.
  ASSERT_EQ(imported.untranslated.size(), 6u);
  EXPECT_NE(Reason(imported, 11).find("checkpoints and heartbeats topics"), std::string::npos);
  EXPECT_NE(Reason(imported, 13).find("writes no offset syncs"), std::string::npos);
  EXPECT_NE(Reason(imported, 14).find("Kafka Connect worker setting"), std::string::npos);
  ASSERT_EQ(imported.notes.size(), 1u);
  EXPECT_NE(imported.notes[0].find("ACLs"), std::string::npos);
}

// Apache Kafka docs, "Configuring Geo-Replication" > "Configuration File Syntax": the first
// example, verbatim. Its "# defines cluster aliases" is not a comment in a .properties file.
constexpr std::string_view kDocsSyntaxExample = R"(# Global settings
clusters = us-west, us-east   # defines cluster aliases
us-west.bootstrap.servers = broker3-west:9092
us-east.bootstrap.servers = broker5-east:9092

topics = .*   # all topics to be replicated by default

# Specific replication flow settings (here: flow from us-west to us-east)
us-west->us-east.enabled = true
us-west->us.east.topics = foo.*, bar.*  # override the default above
)";

TEST(Mm2Import, TheInlineCommentTrapIsAnError) {
  Result<Mm2Import> r = ImportMm2(kDocsSyntaxExample, "mm2.properties", Check);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(
                "mm2.properties:2: clusters: alias \"us-east   # defines cluster aliases\""),
            std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("starts a comment only at the start of a line"),
            std::string::npos);
}

// The same example with the trailing comments moved to lines of their own, as MirrorMaker 2
// needs them: the typo "us-west->us.east.topics" (from the docs) names no flow.
TEST(Mm2Import, AFlowKeyForNoPairOfClustersIsReported) {
  Mm2Import imported = Import(R"(clusters = us-west, us-east
us-west.bootstrap.servers = broker3-west:9092
us-east.bootstrap.servers = broker5-east:9092
topics = .*
us-west->us-east.enabled = true
us-west->us.east.topics = foo.*, bar.*
)");
  config::Config c = Load(imported);
  ASSERT_EQ(c.flows.size(), 1u);
  EXPECT_EQ(c.flows[0].topics, std::vector<std::string>{".*"});
  EXPECT_NE(Reason(imported, 6).find("names no pair of the aliases"), std::string::npos);
}

// Apache Kafka docs, "Configuration File Syntax": the per-cluster Connect setting and the
// client override examples, after the clusters of the example above.
TEST(Mm2Import, ClientOverridesFromTheDocs) {
  Mm2Import imported = Import(R"(clusters = us-west, us-east
us-west.bootstrap.servers = broker3-west:9092
us-east.bootstrap.servers = broker5-east:9092
us-west->us-east.enabled = true
us-west.offset.storage.topic = my-mirrormaker-offsets
us-west.consumer.isolation.level = read_committed
us-west.admin.bootstrap.servers = broker57-primary:9092
us-east.producer.compression.type = gzip
us-east.producer.buffer.memory = 32768
us-east.admin.bootstrap.servers = broker8-secondary:9092
tasks.max = 5
)");
  config::Config c = Load(imported);
  const config::ClusterConfig& west = c.Cluster("us-west");
  const config::ClusterConfig& east = c.Cluster("us-east");
  EXPECT_EQ(Value(west.admin, "bootstrap.servers"), "broker57-primary:9092");
  EXPECT_EQ(Value(east.producer, "compression.type"), "gzip");
  EXPECT_EQ(Value(east.admin, "bootstrap.servers"), "broker8-secondary:9092");
  EXPECT_EQ(Value(west.consumer, "isolation.level"), "<unset>");  // strait's default already
  EXPECT_EQ(Reason(imported, 6), "");
  EXPECT_NE(Reason(imported, 9).find("librdkafka does not have"), std::string::npos);
  EXPECT_NE(Reason(imported, 11).find("strait has no tasks"), std::string::npos);
  // us-west.offset.storage.topic is the Connect offsets topic of flows *into* us-west.
  ASSERT_EQ(c.flows.size(), 1u);
  EXPECT_EQ(c.flows[0].mm2_offsets_topic, "");
  EXPECT_NE(Reason(imported, 5).find("no enabled flow writes to us-west"), std::string::npos);
}

TEST(Mm2Import, OffsetsTopicOfFlowsIntoACluster) {
  Mm2Import imported = Import(R"(clusters = a, b
a.bootstrap.servers = a:9092
b.bootstrap.servers = b:9092
a->b.enabled = true
b.offset.storage.topic = my-mirrormaker-offsets
)");
  config::Config c = Load(imported);
  ASSERT_EQ(c.flows.size(), 1u);
  EXPECT_EQ(c.flows[0].mm2_offsets_topic, "my-mirrormaker-offsets");
}

// Apache Kafka docs, "Securing Replication Flows", verbatim, after a flow: Java keystores
// need converting; librdkafka cannot read JKS.
TEST(Mm2Import, JavaKeystoresAreReportedWithTheConversion) {
  Mm2Import imported = Import(R"(clusters = us-west, us-east
us-west.bootstrap.servers = broker3-west:9092
us-east.bootstrap.servers = broker5-east:9092
us-west->us-east.enabled = true
us-east.security.protocol=SSL
us-east.ssl.truststore.location=/path/to/truststore.jks
us-east.ssl.truststore.password=my-secret-password
us-east.ssl.keystore.location=/path/to/keystore.jks
us-east.ssl.keystore.password=my-secret-password
us-east.ssl.key.password=my-secret-password
)");
  config::Config c = Load(imported);
  EXPECT_EQ(Value(c.Cluster("us-east").properties, "security.protocol"), "SSL");
  EXPECT_NE(Reason(imported, 6).find("keytool -exportcert -rfc"), std::string::npos);
  EXPECT_NE(Reason(imported, 7).find("belongs to the truststore"), std::string::npos);
  EXPECT_NE(Reason(imported, 8).find("-deststoretype PKCS12"), std::string::npos);
  EXPECT_NE(Reason(imported, 9).find("belongs to the keystore"), std::string::npos);
  EXPECT_NE(Reason(imported, 10).find("belongs to the keystore"), std::string::npos);
  for (const Untranslated& u : imported.untranslated) {
    EXPECT_EQ(u.reason.find("my-secret-password"), std::string::npos) << u.reason;
  }
}

// Apache Kafka docs, "Exactly once": the settings, after a flow.
TEST(Mm2Import, ExactlyOnceSettingsAreNotNeeded) {
  Mm2Import imported = Import(R"(clusters = us-west, us-east
us-west.bootstrap.servers = broker3-west:9092
us-east.bootstrap.servers = broker5-east:9092
us-west->us-east.enabled = true
us-east.exactly.once.source.support = enabled
dedicated.mode.enable.internal.rest = true
listeners = http://localhost:8080
us-west.consumer.isolation.level = read_committed
)");
  Load(imported);
  EXPECT_NE(Reason(imported, 5).find("no duplicates without transactions"), std::string::npos);
  EXPECT_NE(Reason(imported, 6).find("http.listen"), std::string::npos);
  EXPECT_NE(Reason(imported, 7).find("http.listen"), std::string::npos);
  EXPECT_EQ(Reason(imported, 8), "");
}

// Apache Kafka docs, "Configuring Replication Flows": the example, after the clusters. Its
// "emit.heartbeats" is not a MirrorMaker 2 key ("emit.heartbeats.enabled" is).
TEST(Mm2Import, TopLevelDefaultsAndFlowOverrides) {
  Mm2Import imported = Import(R"(clusters = us-west, us-east
us-west.bootstrap.servers = broker3-west:9092
us-east.bootstrap.servers = broker5-east:9092
topics = .*
groups = consumer-group1, consumer-group2
us-west->us-east.enabled = true
us-west->us-east.topics = foo.*
us-west->us-east.groups = bar.*
us-west->us-east.emit.heartbeats = false
)");
  config::Config c = Load(imported);
  ASSERT_EQ(c.flows.size(), 1u);
  EXPECT_EQ(c.flows[0].topics, std::vector<std::string>{"foo.*"});
  EXPECT_EQ(c.flows[0].groups, std::vector<std::string>{"bar.*"});
  EXPECT_TRUE(c.flows[0].emit_heartbeats);
  EXPECT_NE(Reason(imported, 9).find("did you mean \"emit.heartbeats.enabled\"?"),
            std::string::npos)
      << Reason(imported, 9);
}

// Apache Kafka docs, "Custom Naming of Replicated Topics" (separator) and the active/passive
// example, verbatim: it has no `clusters` line, and its trailing "# only replicate some
// topics" is part of the value to MirrorMaker 2.
TEST(Mm2Import, ActivePassiveExampleFromTheDocs) {
  Mm2Import imported = Import(R"(# Unidirectional flow (one-way) from primary to secondary cluster
primary.bootstrap.servers = broker1-primary:9092
secondary.bootstrap.servers = broker2-secondary:9092

primary->secondary.enabled = true
secondary->primary.enabled = false

primary->secondary.topics = foo.*  # only replicate some topics
primary->secondary.replication.policy.separator = _
)");
  config::Config c = Load(imported);
  ASSERT_EQ(c.flows.size(), 1u);
  EXPECT_EQ(c.flows[0].Name(), "primary->secondary");
  EXPECT_EQ(c.flows[0].separator, "_");
  EXPECT_EQ(c.flows[0].topics, std::vector<std::string>{"foo.*  # only replicate some topics"});
  bool inferred = false, comment = false;
  for (const std::string& n : imported.notes) {
    inferred |= n.find("`clusters` is missing") != std::string::npos;
    comment |= n.find("mm2.properties:8: primary->secondary.topics") != std::string::npos;
  }
  EXPECT_TRUE(inferred);
  EXPECT_TRUE(comment);
}

// Apache Kafka docs, active/active example, verbatim: "Us-east" is a typo there, so us-east
// has no address.
TEST(Mm2Import, ActiveActiveExampleFromTheDocs) {
  Result<Mm2Import> r =
      ImportMm2(R"(# Bidirectional flow (two-way) between us-west and us-east clusters
clusters = us-west, us-east
us-west.bootstrap.servers = broker1-west:9092,broker2-west:9092
Us-east.bootstrap.servers = broker3-east:9092,broker4-east:9092

us-west->us-east.enabled = true
us-east->us-west.enabled = true
)",
                "mm2.properties", Check);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("mm2.properties: us-east.bootstrap.servers: missing"),
            std::string::npos)
      << r.status().message();
}

// Found by fuzz/mm2_import_fuzz.cc: a line "B.bootstrap.servers" without "=" is the key with
// an empty value, which strait's config then refused.
TEST(Mm2Import, AnEmptyBootstrapIsMissing) {
  Result<Mm2Import> r = ImportMm2(
      "clusters = A, B\nA.bootstrap.servers = a:9092\nB.bootstrap.servers\nA->B.enabled = true\n",
      "mm2.properties", Check);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("mm2.properties: B.bootstrap.servers: missing or empty"),
            std::string::npos)
      << r.status().message();
}

// MirrorMaker 2's topic ACL sync becomes strait's: off stays off, the interval carries over.
TEST(Mm2Import, TopicAclSyncCarriesOver) {
  Mm2Import imported = Import(R"(clusters = A, B
A.bootstrap.servers = a:9092
B.bootstrap.servers = b:9092
A->B.enabled = true
B->A.enabled = true
sync.topic.acls.interval.seconds = 30
B->A.sync.topic.acls.enabled = false
)");
  config::Config c = Load(imported);
  ASSERT_EQ(c.flows.size(), 2u);
  for (const config::FlowConfig& f : c.flows) {
    EXPECT_EQ(f.sync_topic_acls, f.source == "A") << f.Name();
    EXPECT_EQ(f.acl_sync_interval.count(), 30000) << f.Name();
  }
  EXPECT_EQ(Reason(imported, 6), "");
  EXPECT_EQ(Reason(imported, 7), "");
  ASSERT_EQ(imported.notes.size(), 1u);
  EXPECT_NE(imported.notes[0].find("topic ACLs are copied to the target for A->B"),
            std::string::npos)
      << imported.notes[0];
}

// Apache Kafka docs, multi-cluster example, verbatim: `clusters:` with a colon, and "..."
// for the addresses.
TEST(Mm2Import, MultiClusterExampleFromTheDocs) {
  Mm2Import imported = Import(R"(# Basic settings
clusters: west-1, west-2, east-1, east-2, north-1, north-2
west-1.bootstrap.servers = ...
west-2.bootstrap.servers = ...
east-1.bootstrap.servers = ...
east-2.bootstrap.servers = ...
north-1.bootstrap.servers = ...
north-2.bootstrap.servers = ...

# Replication flows for Active/Active in West DC
west-1->west-2.enabled = true
west-2->west-1.enabled = true

# Replication flows for Active/Active in East DC
east-1->east-2.enabled = true
east-2->east-1.enabled = true

# Replication flows for Active/Active in North DC
north-1->north-2.enabled = true
north-2->north-1.enabled = true

# Replication flows for XDCR via west-1, east-1, north-1
west-1->east-1.enabled  = true
west-1->north-1.enabled = true
east-1->west-1.enabled  = true
east-1->north-1.enabled = true
north-1->west-1.enabled = true
north-1->east-1.enabled = true
)");
  config::Config c = Load(imported);
  EXPECT_EQ(c.clusters.size(), 6u);
  EXPECT_EQ(c.flows.size(), 12u);
  EXPECT_TRUE(imported.untranslated.empty());
}

TEST(Mm2Import, CredentialsPoliciesAndStartPositions) {
  Mm2Import imported = Import(R"(clusters = src, dst
src.bootstrap.servers = s1:9093, s2:9093
src.security.protocol = SASL_SSL
src.sasl.mechanism = SCRAM-SHA-512
src.sasl.jaas.config = org.apache.kafka.common.security.scram.ScramLoginModule required \
    username="mirror" password="pa\\"ss word";
src.ssl.truststore.type = PEM
src.ssl.truststore.location = /etc/ca.pem
src.consumer.auto.offset.reset = latest
dst.bootstrap.servers = d:9092
dst.ssl.keystore.location = /etc/client.p12
dst.ssl.keystore.password = kspw
dst.producer.max.request.size = 2097152
dst.producer.linger.ms = ${file:/etc/secrets.properties:linger}
src->dst.enabled = true
replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy
sync.group.offsets.enabled = true
emit.checkpoints.interval.seconds = 10
config.properties.exclude = (?i)retention.*
)");
  config::Config c = Load(imported);
  const config::ClusterConfig& src = c.Cluster("src");
  EXPECT_EQ(src.Bootstrap(), "s1:9093,s2:9093");
  EXPECT_EQ(Value(src.properties, "sasl.username"), "mirror");
  EXPECT_EQ(Value(src.properties, "sasl.password"), "pa\"ss word");
  EXPECT_EQ(Value(src.properties, "ssl.ca.location"), "/etc/ca.pem");
  const config::ClusterConfig& dst = c.Cluster("dst");
  EXPECT_EQ(Value(dst.properties, "ssl.keystore.location"), "/etc/client.p12");
  EXPECT_EQ(Value(dst.properties, "ssl.keystore.password"), "kspw");
  EXPECT_EQ(Value(dst.producer, "message.max.bytes"), "2097152");
  EXPECT_EQ(Value(dst.producer, "linger.ms"), "<unset>");
  EXPECT_NE(Reason(imported, 14).find("config provider"), std::string::npos);
  const config::FlowConfig& f = c.flows[0];
  EXPECT_EQ(f.naming, config::Naming::kIdentity);
  EXPECT_EQ(f.start_offset, config::StartOffset::kLatest);
  EXPECT_TRUE(f.sync_group_offsets);
  EXPECT_EQ(f.checkpoint_interval.count(), 10000);
  EXPECT_NE(Reason(imported, 19).find("cannot read: rewrite it"), std::string::npos);
  for (const Untranslated& u : imported.untranslated) {
    EXPECT_EQ(u.reason.find("kspw"), std::string::npos);
  }
}

TEST(Mm2Import, NoEnabledFlowIsAnError) {
  Result<Mm2Import> r = ImportMm2(
      "clusters = a, b\na.bootstrap.servers = x\nb.bootstrap.servers = y\n", "m.properties", Check);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("m.properties: no flow is enabled"), std::string::npos);
}

// Found by fuzzing: without a `clusters` key, a rejected alias was reported against a key
// that does not exist (a read past the end of the entries).
TEST(Mm2Import, ABadAliasWithoutClustersIsReportedAtItsBootstrapKey) {
  Result<Mm2Import> r = ImportMm2("dc.1.bootstrap.servers = x:1\n", "m.properties", Check);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("m.properties:1: dc.1.bootstrap.servers: alias \"dc.1\""),
            std::string::npos)
      << r.status().message();
}

// Found by fuzzing: a value with a NUL (\u0000 in the file) was written into a YAML file
// that strait could not read back.
TEST(Mm2Import, AControlCharacterIsAnError) {
  Result<Mm2Import> r = ImportMm2(
      "clusters = a, b\na.bootstrap.servers = x:1\nb.bootstrap.servers = y:1\n"
      "a->b.enabled = true\ntopics = one\\u0000two\n",
      "m.properties", Check);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("m.properties:5: topics: the value holds the control "
                                      "character 0x00"),
            std::string::npos)
      << r.status().message();
}

TEST(Mm2Import, ALoneSurrogateIsAnError) {
  Result<Mm2Import> r = ImportMm2(
      "clusters = a, b\na.bootstrap.servers = x:1\nb.bootstrap.servers = y:1\n"
      "a->b.enabled = true\ntopics = one\\ud800\n",
      "m.properties", Check);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("m.properties:5: topics: the value holds a character that "
                                      "is not valid Unicode"),
            std::string::npos)
      << r.status().message();
}

TEST(Mm2Import, ALaterValueWins) {
  Mm2Import imported = Import(R"(clusters = a, b
a.bootstrap.servers = x:1
b.bootstrap.servers = y:1
a->b.enabled = true
topics = one
topics = two
)");
  config::Config c = Load(imported);
  EXPECT_EQ(c.flows[0].topics, std::vector<std::string>{"two"});
  EXPECT_NE(Reason(imported, 5).find("set again on line 6"), std::string::npos);
}

}  // namespace
}  // namespace strait::migrate
