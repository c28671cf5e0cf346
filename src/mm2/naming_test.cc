#include "mm2/naming.h"

#include <gtest/gtest.h>

namespace strait::mm2 {
namespace {

NamingContext Prefix(std::string source, std::string target) {
  return {config::Naming::kPrefix, ".", std::move(source), std::move(target)};
}

TEST(Naming, PrefixAddsTheSourceAlias) {
  EXPECT_EQ(RemoteTopicName(Prefix("dc1", "dc2"), "orders"), "dc1.orders");
}

TEST(Naming, ChainsNameEveryHopLikeMirrorMaker) {
  EXPECT_EQ(RemoteTopicName(Prefix("dc2", "dc3"), "dc1.orders"), "dc2.dc1.orders");
}

TEST(Naming, NeverSendsATopicBackToItsOrigin) {
  EXPECT_EQ(RemoteTopicName(Prefix("dc2", "dc1"), "dc1.orders"), std::nullopt);
  EXPECT_EQ(RemoteTopicName(Prefix("dc3", "dc1"), "dc2.dc1.orders"), std::nullopt);
}

TEST(Naming, IdentityKeepsTheName) {
  NamingContext ctx{config::Naming::kIdentity, ".", "dc1", "dc2"};
  EXPECT_EQ(RemoteTopicName(ctx, "orders"), "orders");
}

TEST(Naming, HeartbeatsArePrefixedEvenWithIdentityNaming) {
  NamingContext ctx{config::Naming::kIdentity, ".", "dc1", "dc2"};
  EXPECT_EQ(RemoteTopicName(ctx, "heartbeats"), "dc1.heartbeats");
  EXPECT_EQ(RemoteTopicName(ctx, "dc3.heartbeats"), "dc1.dc3.heartbeats");
  EXPECT_EQ(RemoteTopicName(ctx, "dc2.heartbeats"), std::nullopt);
}

TEST(Naming, InternalTopics) {
  EXPECT_TRUE(IsInternalTopic("__consumer_offsets"));
  EXPECT_TRUE(IsInternalTopic("dc1.checkpoints.internal"));
  EXPECT_TRUE(IsInternalTopic("mm2-offset-syncs.dc2.internal"));
  EXPECT_TRUE(IsInternalTopic("connect-offsets-internal"));
  EXPECT_TRUE(IsInternalTopic(".hidden"));
  EXPECT_TRUE(IsInternalTopic("orders.replica"));
  EXPECT_FALSE(IsInternalTopic("orders"));
  EXPECT_FALSE(IsInternalTopic("internal.orders"));
}

TEST(Naming, TopicSourceIsThePartBeforeTheFirstSeparator) {
  EXPECT_EQ(TopicSource("dc1.orders", "."), "dc1");
  EXPECT_EQ(TopicSource("orders", "."), "");
}

TEST(Naming, UpstreamTopicNameStripsOneAliasPrefix) {
  EXPECT_EQ(UpstreamTopicName("dc2.orders", "dc2", "."), "orders");
  EXPECT_EQ(UpstreamTopicName("dc2.dc1.orders", "dc2", "."), "dc1.orders");
  EXPECT_EQ(UpstreamTopicName("us.east_orders", "us.east", "_"), "orders");
  EXPECT_EQ(UpstreamTopicName("dc1.orders", "dc2", "."), std::nullopt);
  EXPECT_EQ(UpstreamTopicName("dc2.", "dc2", "."), std::nullopt);
  EXPECT_EQ(UpstreamTopicName("dc2orders", "dc2", "."), std::nullopt);
}

}  // namespace
}  // namespace strait::mm2
