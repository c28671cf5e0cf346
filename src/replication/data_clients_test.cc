#include "replication/data_clients.h"

#include <gtest/gtest.h>

namespace strait::replication {
namespace {

// librdkafka applies properties in order, so the last value of a key is the one it uses.
std::string Effective(const kafka::Properties& properties, const std::string& key) {
  std::string value;
  for (const auto& [k, v] : properties) {
    if (k == key) value = v;
  }
  return value;
}

TEST(DataClients, TheConsumerReadsCommittedAndNeverResetsSilently) {
  kafka::ConsumerOptions o = SourceConsumerOptions("dc1->dc2", {{"bootstrap.servers", "a:1"}});
  EXPECT_EQ(o.client.name, "dc1->dc2/source-consumer");
  EXPECT_EQ(Effective(o.client.properties, "isolation.level"), "read_committed");
  EXPECT_EQ(Effective(o.client.properties, "auto.offset.reset"), "error");
  EXPECT_EQ(Effective(o.client.properties, "enable.auto.commit"), "false");
}

TEST(DataClients, TheProducerIsIdempotentWithAllAcksAndTheUsersSettingsWin) {
  kafka::ClientOptions o = TargetProducerOptions("dc1->dc2", {{"linger.ms", "50"}});
  EXPECT_EQ(Effective(o.properties, "enable.idempotence"), "true");
  EXPECT_EQ(Effective(o.properties, "acks"), "all");
  EXPECT_EQ(Effective(o.properties, "message.timeout.ms"), "0");
  EXPECT_EQ(Effective(o.properties, "linger.ms"), "50");
}

TEST(DataClients, TheBatchSizeIsBatchSizeCappedByTheRequestSize) {
  EXPECT_EQ(ProducerBatchBytes(TargetProducerOptions("f", {}).properties), 1000000);
  EXPECT_EQ(ProducerBatchBytes(TargetProducerOptions("f", {{"batch.size", "4000000"}}).properties),
            4000000);
  EXPECT_EQ(ProducerBatchBytes({{"batch.size", "4000000"}, {"message.max.bytes", "2000000"}}),
            2000000);
  EXPECT_EQ(ProducerBatchBytes({{"batch.size", "512"}, {"batch.size", "65536"}}), 65536);
}

}  // namespace
}  // namespace strait::replication
