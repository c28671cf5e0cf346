#include "audit/operator_file.h"

#include <gtest/gtest.h>

#include "audit/test_util.h"

namespace strait::audit {
namespace {

constexpr char kFile[] = R"(controllers:
  7: dc1
  8: dc2
  9: dc3
eligible_leader_replicas: true
brokers:
  4: dc2
elr:
  rf3: {0: [3]}
  gone: {0: [1]}
)";

ClusterDescription Unlabelled() {
  ClusterDescription c = testing::LoadTestCluster("three_dc.json");
  for (Controller& v : c.controllers) {
    v.dc.clear();
    v.dc_origin = Origin::kUnknown;
  }
  c.brokers[3].dc.clear();  // broker 4 did not answer
  c.brokers[3].registered = false;
  c.elr = ElrState::kUnknown;
  return c;
}

TEST(OperatorFile, FillsWhatTheClusterCannotTell) {
  Result<OperatorFile> f = ParseOperatorFile(kFile, "ops.yaml");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ClusterDescription c = Unlabelled();
  ApplyOperatorFile(*f, &c);
  EXPECT_EQ(c.controllers[0].dc, "dc1");
  EXPECT_EQ(c.controllers[0].dc_origin, Origin::kOperatorFile);
  EXPECT_EQ(c.BrokerDc(4), "dc2");
  EXPECT_EQ(c.FindBroker(4)->dc_origin, Origin::kOperatorFile);
  EXPECT_EQ(c.elr, ElrState::kEnabled);
  EXPECT_EQ(*c.topics[0].partitions[0].elr, std::vector<BrokerId>{3});
  bool ignored = false;
  for (const std::string& n : c.notes) {
    ignored = ignored || n.find("gone partition 0") != std::string::npos;
  }
  EXPECT_TRUE(ignored);
  size_t notes = c.notes.size();
  ApplyOperatorFile(*f, &c);  // applying twice adds nothing
  EXPECT_EQ(c.notes.size(), notes);
}

TEST(OperatorFile, NeverOverridesTheClusterButSaysSo) {
  Result<OperatorFile> f = ParseOperatorFile("brokers:\n  1: dc3\n", "ops.yaml");
  ASSERT_TRUE(f.ok());
  ClusterDescription c = testing::LoadTestCluster("three_dc.json");
  ApplyOperatorFile(*f, &c);
  EXPECT_EQ(c.BrokerDc(1), "dc1");
  ASSERT_FALSE(c.notes.empty());
  EXPECT_NE(c.notes.back().find("broker.rack says dc1"), std::string::npos);
}

TEST(OperatorFile, SuppliesVotersOfADynamicQuorum) {
  Result<OperatorFile> f = ParseOperatorFile("controllers: {7: dc1, 8: dc2, 9: dc3}\n", "ops.yaml");
  ASSERT_TRUE(f.ok());
  ClusterDescription c = testing::LoadTestCluster("three_dc.json");
  c.controllers.clear();
  c.voters_origin = Origin::kUnknown;
  ApplyOperatorFile(*f, &c);
  EXPECT_EQ(c.controllers.size(), 3u);
  EXPECT_EQ(c.voters_origin, Origin::kOperatorFile);
}

TEST(OperatorFile, ErrorsNameFileLineAndKey) {
  Result<OperatorFile> f = ParseOperatorFile(
      "controllers:\n  7: dc1\n  x: dc2\neligible_leader_replicas: maybe\nbrokres: {}\n",
      "ops.yaml");
  ASSERT_FALSE(f.ok());
  const std::string& m = f.status().message();
  EXPECT_NE(m.find("ops.yaml:3:3: controllers: expected a whole number, got \"x\""),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("ops.yaml:4:27: eligible_leader_replicas: expected true or false"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("ops.yaml:5:1: brokres: unknown key"), std::string::npos) << m;
}

// Found by fuzz/operator_file_fuzz.cc: a DC name that is not UTF-8 was accepted, and the JSON
// report (--format json, --save) then aborted the process.
TEST(OperatorFile, TextThatIsNotUtf8IsRejectedWithItsPosition) {
  Result<OperatorFile> f = ParseOperatorFile(
      "controllers:\n  7: dc1\n  9: \xE4"
      "c\n",
      "ops.yaml");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(),
            "ops.yaml:3:6: the file is not UTF-8 text (byte 0xe4); save it as UTF-8");
}

// Found by fuzz/operator_file_fuzz.cc: yaml-cpp decodes the escapes "\_" and "\N" to the
// single bytes 0xA0 and 0x85, which are not UTF-8, from a file that is.
TEST(OperatorFile, EscapesThatYamlCppDecodesWronglyAreRejected) {
  Result<OperatorFile> f =
      ParseOperatorFile("controllers:\n  9: \"dc\\_3\"\nelr:\n  \"a\\Nb\": {0: [1]}\n", "ops.yaml");
  ASSERT_FALSE(f.ok());
  const std::string& m = f.status().message();
  EXPECT_NE(m.find("ops.yaml:2:6: controllers.9: not valid UTF-8 after decoding its escapes"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("ops.yaml:4:3: elr: not valid UTF-8"), std::string::npos) << m;
}

TEST(OperatorFile, EmptyFileSaysNothing) {
  Result<OperatorFile> f = ParseOperatorFile("", "ops.yaml");
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->controllers.empty());
}

}  // namespace
}  // namespace strait::audit
