#include "replication/config_sync.h"

#include <gtest/gtest.h>

#include "config/config.h"

namespace strait::replication {
namespace {

using kafka::ConfigEntry;
using kafka::ConfigSource;

NameFilter Mm2Excludes() { return NameFilter(config::FlowConfig().config_properties_exclude, {}); }

TEST(ConfigSync, CopiesOnlyTopicOverrides) {
  std::vector<ConfigEntry> source = {
      {"retention.ms", "3600000", ConfigSource::kDynamicTopic},
      {"segment.bytes", "1073741824", ConfigSource::kDefault, true},
      {"cleanup.policy", "compact", ConfigSource::kDynamicTopic},
      {"log.dirs", "/x", ConfigSource::kStaticBroker, false, true},
  };
  EXPECT_EQ(TopicOverrides(source),
            (ConfigMap{{"cleanup.policy", "compact"}, {"retention.ms", "3600000"}}));
}

TEST(ConfigSync, ExcludedKeysKeepTheTargetsValues) {
  ConfigMap source = {{"retention.ms", "1000"}, {"min.insync.replicas", "3"}};
  ConfigMap target = {{"retention.ms", "5"}, {"min.insync.replicas", "2"}, {"segment.ms", "9"}};
  // retention.ms follows the source, min.insync.replicas stays the target's own, and the
  // target-only override segment.ms goes back to the default (MirrorMaker 2 does the same).
  EXPECT_EQ(DesiredRemoteConfigs(source, target, Mm2Excludes()),
            (ConfigMap{{"min.insync.replicas", "2"}, {"retention.ms", "1000"}}));
}

TEST(ConfigSync, DiffSetsChangedKeysAndRemovesDroppedOnesOnly) {
  ConfigMap current = {{"retention.ms", "5"}, {"min.insync.replicas", "2"}, {"segment.ms", "9"}};
  ConfigMap desired = {
      {"min.insync.replicas", "2"}, {"retention.ms", "1000"}, {"cleanup.policy", "compact"}};
  kafka::ConfigChanges changes = ConfigDiff(current, desired);
  // min.insync.replicas is not touched at all: an operator's concurrent change to it stays.
  EXPECT_EQ(changes.set, (ConfigMap{{"cleanup.policy", "compact"}, {"retention.ms", "1000"}}));
  EXPECT_EQ(changes.remove, std::vector<std::string>{"segment.ms"});
  EXPECT_TRUE(ConfigDiff(desired, desired).empty());
}

TEST(ConfigSync, ReadsAValueWhateverItsSource) {
  std::vector<ConfigEntry> entries = {
      {"max.message.bytes", "1048588", ConfigSource::kDefault, true}};
  EXPECT_EQ(ConfigValue(entries, "max.message.bytes"), "1048588");
  EXPECT_EQ(ConfigValue(entries, "nope"), "");
}

}  // namespace
}  // namespace strait::replication
