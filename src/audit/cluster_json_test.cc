#include "audit/cluster_json.h"

#include <gtest/gtest.h>

#include "audit/test_util.h"

namespace strait::audit {
namespace {

TEST(ClusterJson, RoundTripsEveryField) {
  ClusterDescription c = testing::LoadTestCluster("three_dc.json");
  c.brokers[0].registered = false;
  c.brokers[1].dc_origin = Origin::kOperatorFile;
  c.topics[0].partitions[0].elr = std::vector<BrokerId>{4};
  c.notes.push_back("a note with \"quotes\" and \xC3\xA9");
  c.elr = ElrState::kUnknown;
  Result<ClusterDescription> back = DescriptionFromJson(DescriptionToJson(c), "mem.json");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(DescriptionToJson(*back), DescriptionToJson(c));
  EXPECT_FALSE(back->brokers[0].registered);
  EXPECT_EQ(back->brokers[1].dc_origin, Origin::kOperatorFile);
  ASSERT_TRUE(back->topics[0].partitions[0].elr.has_value());
  EXPECT_EQ(*back->topics[0].partitions[0].elr, std::vector<BrokerId>{4});
  EXPECT_FALSE(back->topics[0].partitions[1].elr.has_value());
  EXPECT_EQ(back->groups[0].id, "billing");
}

TEST(ClusterJson, ErrorsNameFileLineAndKey) {
  std::string text = DescriptionToJson(testing::LoadTestCluster("two_dc_rf4_m3.json"));
  size_t at = text.find("\"isr\": [");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 8, "\"isr\": [\"x\", ");
  Result<ClusterDescription> c = DescriptionFromJson(text, "saved.json");
  ASSERT_FALSE(c.ok());
  const std::string& m = c.status().message();
  EXPECT_NE(m.find("saved.json:"), std::string::npos) << m;
  EXPECT_NE(m.find("topics[0].partitions[0].isr: expected a whole number, got \"x\""),
            std::string::npos)
      << m;
  int line = std::stoi(m.substr(m.find(':') + 1));
  EXPECT_GT(line, 10);  // a real line number, not 1
}

TEST(ClusterJson, MissingKeysAndWrongSchemaAreReported) {
  Result<ClusterDescription> c =
      DescriptionFromJson("{\"schema\": \"something/2\", \"brokers\": []}", "f.json");
  ASSERT_FALSE(c.ok());
  const std::string& m = c.status().message();
  EXPECT_NE(m.find("f.json:1:1: topics: missing"), std::string::npos) << m;
  EXPECT_NE(m.find("schema: expected \"strait.audit.cluster/1\""), std::string::npos) << m;
}

TEST(ClusterJson, SyntaxErrorHasAPosition) {
  Result<ClusterDescription> c = DescriptionFromJson("{\n  \"schema\": [1, \n", "bad.json");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message().rfind("bad.json:", 0), 0u) << c.status().message();
}

TEST(ClusterJson, TextThatIsNotUtf8IsRejectedWithItsPosition) {
  std::string text = DescriptionToJson(testing::LoadTestCluster("two_dc_rf4_m3.json"));
  size_t at = text.find("\"dc\": \"A\"");
  ASSERT_NE(at, std::string::npos);
  text[at + 7] = '\xE4';
  Result<ClusterDescription> c = DescriptionFromJson(text, "saved.json");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("the file is not UTF-8 text (byte 0xe4)"), std::string::npos)
      << c.status().message();
}

TEST(ClusterJson, UnreadableFileNamesIt) {
  Result<ClusterDescription> c = LoadDescriptionFile("/nonexistent/cluster.json");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("/nonexistent/cluster.json"), std::string::npos);
}

}  // namespace
}  // namespace strait::audit
