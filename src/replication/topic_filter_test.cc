#include "replication/topic_filter.h"

#include <gtest/gtest.h>

namespace strait::replication {
namespace {

TEST(TopicFilter, MatchesWholeNames) {
  TopicFilter f({"orders.*", "payments"}, {});
  EXPECT_TRUE(f.Matches("orders"));
  EXPECT_TRUE(f.Matches("orders-eu"));
  EXPECT_TRUE(f.Matches("payments"));
  EXPECT_FALSE(f.Matches("payments-eu"));  // whole-name match, not a search
  EXPECT_FALSE(f.Matches("old-orders"));
}

TEST(TopicFilter, ExcludesWin) {
  TopicFilter f({".*"}, {".*-test"});
  EXPECT_TRUE(f.Matches("orders"));
  EXPECT_FALSE(f.Matches("orders-test"));
}

TEST(TopicFilter, InternalTopicsAreNeverMirrored) {
  TopicFilter f({".*"}, {});
  EXPECT_FALSE(f.Matches("__consumer_offsets"));
  EXPECT_FALSE(f.Matches("dc1.checkpoints.internal"));
}

}  // namespace
}  // namespace strait::replication
