#include "audit/cluster_reader.h"

#include <gtest/gtest.h>

namespace strait::audit {
namespace {

TEST(ParseQuorumVoters, ReadsStaticVoters) {
  Result<std::vector<BrokerId>> ids =
      ParseQuorumVoters("7@127.0.0.1:25137,8@127.0.0.1:25138,9@[::1]:25139");
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  EXPECT_EQ(*ids, (std::vector<BrokerId>{7, 8, 9}));
}

TEST(ParseQuorumVoters, EmptyMeansADynamicQuorum) {
  Result<std::vector<BrokerId>> ids = ParseQuorumVoters("");
  ASSERT_TRUE(ids.ok());
  EXPECT_TRUE(ids->empty());
}

TEST(ParseQuorumVoters, RejectsGarbageWithTheValue) {
  Result<std::vector<BrokerId>> ids = ParseQuorumVoters("7@a:1,x@b:2");
  ASSERT_FALSE(ids.ok());
  EXPECT_NE(ids.status().message().find("\"x@b:2\""), std::string::npos);
}

}  // namespace
}  // namespace strait::audit
