// Compatibility gate: the librdkafka strait links (2.15.1) against the Kafka version the test bed
// runs. Every capability strait relies on is exercised through strait's own kafka/
// wrappers against a real broker whose address comes from STRAIT_COMPAT_BOOTSTRAP
// (tests/test_compat.py starts the cluster and runs this binary).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"

namespace strait::kafka {
namespace {

using namespace std::chrono_literals;

std::string Bootstrap() {
  const char* b = std::getenv("STRAIT_COMPAT_BOOTSTRAP");
  return b == nullptr ? "" : b;
}

std::string Unique(const std::string& base) {
  return base + "-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

// A consumed record copied out of librdkafka's buffers: a Message must not outlive its
// consumer (rd_kafka_destroy waits for every message to be freed).
struct Record {
  std::optional<std::string> key, value;
  int64_t timestamp_ms = 0;
  std::vector<Header> headers;
};

class Compat : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(Bootstrap().empty()) << "set STRAIT_COMPAT_BOOTSTRAP to a broker address";
    auto admin = Admin::Create({"compat-admin", {{"bootstrap.servers", Bootstrap()}}, {}});
    ASSERT_TRUE(admin.ok()) << admin.status().message();
    admin_ = std::move(admin).value();
  }

  void CreateTopic(const std::string& name, int partitions,
                   std::map<std::string, std::string> configs = {}) {
    auto r = admin_->CreateTopics({{name, partitions, 1, configs}}, 30s);
    ASSERT_TRUE(r.ok()) << r.status().message();
    ASSERT_TRUE((*r)[0].ok()) << (*r)[0].message();
  }

  // Reads `count` records from partition 0 of `topic`, from the beginning.
  std::vector<Record> ReadAll(const std::string& topic, size_t count,
                              const std::string& isolation = "read_uncommitted") {
    Properties props = {{"bootstrap.servers", Bootstrap()},
                        {"isolation.level", isolation},
                        {"enable.partition.eof", "true"}};
    if (const char* debug = std::getenv("STRAIT_COMPAT_DEBUG")) props.emplace_back("debug", debug);
    auto consumer = Consumer::Create({{"compat-reader", props, {}}});
    EXPECT_TRUE(consumer.ok()) << consumer.status().message();
    EXPECT_TRUE((*consumer)->Assign({{topic, 0, kOffsetBeginning}}).ok());
    std::vector<Record> out;
    auto deadline = std::chrono::steady_clock::now() + 60s;
    bool eof = false;
    while (!eof && std::chrono::steady_clock::now() < deadline) {
      std::vector<Message> batch;
      (*consumer)->PollBatch(500ms, 1000, &batch);
      for (Message& m : batch) {
        if (m.is_partition_eof()) {
          eof = out.size() >= count;
          continue;
        }
        EXPECT_TRUE(m.error().ok()) << m.error().message();
        Record r;
        if (m.key()) r.key = std::string(*m.key());
        if (m.value()) r.value = std::string(*m.value());
        r.timestamp_ms = m.timestamp_ms();
        for (const HeaderView& h : m.headers()) {
          r.headers.push_back(
              {std::string(h.name), h.value ? std::optional<std::string>(*h.value) : std::nullopt});
        }
        out.push_back(std::move(r));
      }
    }
    return out;
  }

  std::unique_ptr<Admin> admin_;
};

struct Delivered {
  std::mutex mu;
  int ok = 0;
  std::vector<std::string> errors;
  void Add(const DeliveryReport& r) {
    std::lock_guard lock(mu);
    if (r.error.ok()) {
      ++ok;
    } else {
      errors.push_back(r.error.message());
    }
  }
};

TEST_F(Compat, FeaturesAreEnabledAgainstThisBroker) {
  std::mutex mu;
  std::vector<std::string> lines;
  ClientOptions options{"compat-features",
                        {{"bootstrap.servers", Bootstrap()}, {"debug", "feature,protocol"}},
                        [&](int, std::string_view, std::string_view msg) {
                          std::lock_guard lock(mu);
                          lines.emplace_back(msg);
                        }};
  Delivered d;
  auto producer = Producer::Create(options, [&](const DeliveryReport& r) { d.Add(r); });
  ASSERT_TRUE(producer.ok()) << producer.status().message();
  std::string topic = Unique("compat-features");
  CreateTopic(topic, 1);
  ASSERT_TRUE((*producer)->Produce({(*producer)->Topic(topic), 0, "k", "v"}).ok());
  ASSERT_TRUE((*producer)->Flush(30s).ok());
  EXPECT_EQ(d.ok, 1);
  std::lock_guard lock(mu);
  for (const char* feature : {"MsgVer2", "IdempotentProducer", "LZ4", "ZSTD"}) {
    std::string wanted = std::string("Enabling feature ") + feature;
    bool found = false;
    for (const std::string& l : lines) found |= l.find(wanted) != std::string::npos;
    EXPECT_TRUE(found) << "no \"" << wanted << "\" in librdkafka's debug log";
  }
}

class CodecCompat : public Compat, public testing::WithParamInterface<const char*> {};

TEST_P(CodecCompat, ProduceAndConsumeRoundTrip) {
  std::string codec = GetParam();
  std::string topic = Unique("compat-" + codec);
  CreateTopic(topic, 1);
  Delivered d;
  auto producer = Producer::Create(
      {"compat-" + codec,
       {{"bootstrap.servers", Bootstrap()}, {"compression.codec", codec}, {"linger.ms", "50"}},
       {}},
      [&](const DeliveryReport& r) { d.Add(r); });
  ASSERT_TRUE(producer.ok()) << producer.status().message();
  constexpr int kCount = 500;
  // Recent timestamps: records older than the topic's retention would be deleted while the
  // test reads them.
  const int64_t base_ts = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count() -
                          60000;
  for (int i = 0; i < kCount; ++i) {
    Headers h;
    h.Add("seq", std::to_string(i));
    std::string value(200, static_cast<char>('a' + i % 26));  // compressible
    ASSERT_TRUE((*producer)
                    ->Produce({(*producer)->Topic(topic), 0, "key-" + std::to_string(i), value,
                               base_ts + i, &h})
                    .ok());
  }
  ASSERT_TRUE((*producer)->Flush(60s).ok());
  ASSERT_EQ(d.ok, kCount) << (d.errors.empty() ? "" : d.errors[0]);
  std::vector<Record> got = ReadAll(topic, kCount);
  ASSERT_EQ(got.size(), static_cast<size_t>(kCount));
  for (int i = 0; i < kCount; ++i) {
    EXPECT_EQ(got[i].key, "key-" + std::to_string(i));
    EXPECT_EQ(got[i].value, std::string(200, static_cast<char>('a' + i % 26)));
    EXPECT_EQ(got[i].timestamp_ms, base_ts + i);
    ASSERT_EQ(got[i].headers.size(), 1u);
    EXPECT_EQ(got[i].headers[0], (Header{"seq", std::to_string(i)}));
  }
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, CodecCompat, testing::Values("gzip", "snappy", "lz4", "zstd"),
                         [](const auto& info) { return std::string(info.param); });

TEST_F(Compat, IdempotentProducerWritesEachRecordOnce) {
  std::string topic = Unique("compat-idempotent");
  CreateTopic(topic, 1);
  Delivered d;
  std::mutex mu;
  std::vector<std::string> lines;
  auto producer = Producer::Create(
      {"compat-idempotent",
       {{"bootstrap.servers", Bootstrap()}, {"enable.idempotence", "true"}, {"debug", "eos"}},
       [&](int, std::string_view, std::string_view msg) {
         std::lock_guard lock(mu);
         lines.emplace_back(msg);
       }},
      [&](const DeliveryReport& r) { d.Add(r); });
  ASSERT_TRUE(producer.ok());
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(
        (*producer)->Produce({(*producer)->Topic(topic), 0, std::nullopt, std::to_string(i)}).ok());
  }
  ASSERT_TRUE((*producer)->Flush(60s).ok());
  EXPECT_EQ(d.ok, 2000);
  EXPECT_TRUE((*producer)->FatalError().ok());
  bool acquired = false;
  {
    std::lock_guard lock(mu);
    for (const std::string& l : lines) acquired |= l.find("Acquired PID") != std::string::npos;
  }
  EXPECT_TRUE(acquired) << "the producer never acquired a producer id";
  std::vector<Record> got = ReadAll(topic, 2000);
  ASSERT_EQ(got.size(), 2000u);
  for (int i = 0; i < 2000; ++i) EXPECT_EQ(got[i].value, std::to_string(i));
}

TEST_F(Compat, CooperativeStickyGroupJoin) {
  std::string topic = Unique("compat-coop");
  std::string group = Unique("compat-coop-group");
  CreateTopic(topic, 4);
  std::mutex mu;
  std::set<TopicPartition> a_owned, b_owned;
  bool saw_cooperative = false;
  auto make = [&](std::set<TopicPartition>* owned) {
    ConsumerOptions options{{"compat-coop",
                             {{"bootstrap.servers", Bootstrap()},
                              {"group.id", group},
                              {"partition.assignment.strategy", "cooperative-sticky"}},
                             {}},
                            [&, owned](const RebalanceEvent& e) {
                              std::lock_guard lock(mu);
                              saw_cooperative |= e.cooperative;
                              for (const TopicPartition& tp : e.partitions) {
                                if (e.kind == RebalanceKind::kAssigned) {
                                  owned->insert(tp);
                                } else {
                                  owned->erase(tp);
                                }
                              }
                            }};
    auto c = Consumer::Create(options);
    EXPECT_TRUE(c.ok());
    EXPECT_TRUE((*c)->Subscribe({topic}).ok());
    return std::move(c).value();
  };
  auto a = make(&a_owned);
  auto b = make(&b_owned);
  auto deadline = std::chrono::steady_clock::now() + 90s;
  auto settled = [&] {
    std::lock_guard lock(mu);
    return a_owned.size() == 2 && b_owned.size() == 2;
  };
  while (!settled() && std::chrono::steady_clock::now() < deadline) {
    std::vector<Message> ignored;
    a->PollBatch(100ms, 10, &ignored);
    b->PollBatch(100ms, 10, &ignored);
  }
  ASSERT_TRUE(settled()) << "a owns " << a_owned.size() << ", b owns " << b_owned.size();
  EXPECT_TRUE(saw_cooperative);
  for (const TopicPartition& tp : a_owned) EXPECT_EQ(b_owned.count(tp), 0u);
  auto groups = admin_->DescribeConsumerGroups({group}, 30s);
  ASSERT_TRUE(groups.ok()) << groups.status().message();
  ASSERT_EQ(groups->size(), 1u);
  EXPECT_EQ((*groups)[0].members.size(), 2u);
  EXPECT_EQ((*groups)[0].state, GroupState::kStable);
  a->Close().IgnoreError();
  b->Close().IgnoreError();
}

TEST_F(Compat, TransactionalProduceWithSendOffsets) {
  std::string input = Unique("compat-txn-in");
  std::string output = Unique("compat-txn-out");
  std::string group = Unique("compat-txn-group");
  CreateTopic(input, 1);
  CreateTopic(output, 1);
  Delivered d;
  auto plain = Producer::Create({"compat-txn-feed", {{"bootstrap.servers", Bootstrap()}}, {}},
                                [&](const DeliveryReport& r) { d.Add(r); });
  ASSERT_TRUE(plain.ok());
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(
        (*plain)->Produce({(*plain)->Topic(input), 0, std::nullopt, std::to_string(i)}).ok());
  }
  ASSERT_TRUE((*plain)->Flush(30s).ok());

  auto consumer = Consumer::Create(
      {{"compat-txn-consumer",
        {{"bootstrap.servers", Bootstrap()}, {"group.id", group}, {"enable.auto.commit", "false"}},
        {}}});
  ASSERT_TRUE(consumer.ok());
  ASSERT_TRUE((*consumer)->Assign({{input, 0, kOffsetBeginning}}).ok());
  auto txn = Producer::Create({"compat-txn",
                               {{"bootstrap.servers", Bootstrap()},
                                {"transactional.id", Unique("compat-txn-id")},
                                {"compression.codec", "zstd"}},
                               {}},
                              [&](const DeliveryReport& r) { d.Add(r); });
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE((*txn)->InitTransactions(60s).ok());

  // Committed transaction: the 10 input records, transformed, plus the consumed offset.
  std::vector<Message> in;
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (in.size() < 10 && std::chrono::steady_clock::now() < deadline) {
    (*consumer)->PollBatch(200ms, 100, &in);
  }
  ASSERT_EQ(in.size(), 10u);
  ASSERT_TRUE((*txn)->BeginTransaction().ok());
  for (const Message& m : in) {
    ASSERT_TRUE((*txn)
                    ->Produce({(*txn)->Topic(output), 0, std::nullopt,
                               "committed-" + std::string(*m.value())})
                    .ok());
  }
  Status sent = (*txn)->SendOffsetsToTransaction({{input, 0, 10}}, **consumer, 30s);
  ASSERT_TRUE(sent.ok()) << sent.message();
  Status committed = (*txn)->CommitTransaction(60s);
  ASSERT_TRUE(committed.ok()) << committed.message();

  // Aborted transaction: must stay invisible to read_committed readers.
  ASSERT_TRUE((*txn)->BeginTransaction().ok());
  ASSERT_TRUE((*txn)->Produce({(*txn)->Topic(output), 0, std::nullopt, "aborted"}).ok());
  ASSERT_TRUE((*txn)->Flush(30s).ok());
  ASSERT_TRUE((*txn)->AbortTransaction(60s).ok());

  std::vector<Record> out = ReadAll(output, 10, "read_committed");
  ASSERT_EQ(out.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(out[i].value, "committed-" + std::to_string(i));

  auto offsets = admin_->ListConsumerGroupOffsets(group, {{input, 0}}, 30s);
  ASSERT_TRUE(offsets.ok()) << offsets.status().message();
  ASSERT_EQ(offsets->size(), 1u);
  EXPECT_EQ((*offsets)[0].offset, 10);
}

TEST_F(Compat, AdminCallsStraitNeeds) {
  std::string topic = Unique("compat-admin");
  CreateTopic(topic, 1, {{"retention.ms", "3600000"}, {"cleanup.policy", "compact"}});

  auto configs = admin_->DescribeTopicConfigs({topic}, 30s);
  ASSERT_TRUE(configs.ok()) << configs.status().message();
  auto find = [&](const std::vector<ConfigEntry>& entries, const std::string& name) {
    for (const ConfigEntry& e : entries) {
      if (e.name == name) return e;
    }
    return ConfigEntry{};
  };
  const auto& entries = configs->at(topic);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(find(*entries, "retention.ms").value, "3600000");
  EXPECT_EQ(find(*entries, "retention.ms").source, ConfigSource::kDynamicTopic);
  EXPECT_EQ(find(*entries, "segment.bytes").source, ConfigSource::kDefault);

  Status altered = admin_->IncrementalAlterTopicConfigs(
      topic, {.set = {{"retention.ms", "7200000"}}, .remove = {"cleanup.policy"}}, 30s);
  ASSERT_TRUE(altered.ok()) << altered.message();
  configs = admin_->DescribeTopicConfigs({topic}, 30s);
  ASSERT_TRUE(configs.ok());
  EXPECT_EQ(find(*configs->at(topic), "retention.ms").value, "7200000");
  EXPECT_EQ(find(*configs->at(topic), "cleanup.policy").value, "delete");
  EXPECT_EQ(find(*configs->at(topic), "cleanup.policy").source, ConfigSource::kDefault);

  Status raised = admin_->CreatePartitions(topic, 3, 30s);
  ASSERT_TRUE(raised.ok()) << raised.message();
  auto md = admin_->Metadata(10s, topic);
  ASSERT_TRUE(md.ok());
  ASSERT_NE(md->FindTopic(topic), nullptr);
  EXPECT_EQ(md->FindTopic(topic)->partitions.size(), 3u);

  std::string group = Unique("compat-admin-group");
  auto alter = admin_->AlterConsumerGroupOffsets(group, {{topic, 0, 0}, {topic, 2, 0}}, 30s);
  ASSERT_TRUE(alter.ok()) << alter.status().message();
  for (const auto& tp : *alter) EXPECT_TRUE(tp.error.ok()) << tp.error.message();

  auto groups = admin_->ListConsumerGroups(30s);
  ASSERT_TRUE(groups.ok()) << groups.status().message();
  bool listed = false;
  for (const GroupListing& g : *groups) listed |= g.group_id == group;
  EXPECT_TRUE(listed);

  auto offsets = admin_->ListConsumerGroupOffsets(group, {}, 30s);
  ASSERT_TRUE(offsets.ok()) << offsets.status().message();
  EXPECT_EQ(offsets->size(), 2u);

  auto described = admin_->DescribeConsumerGroups({group}, 30s);
  ASSERT_TRUE(described.ok()) << described.status().message();
  ASSERT_EQ(described->size(), 1u);
  EXPECT_EQ((*described)[0].state, GroupState::kEmpty);
  EXPECT_TRUE((*described)[0].members.empty());

  auto broker = admin_->DescribeBrokerConfigs(md->brokers[0].id, 30s);
  ASSERT_TRUE(broker.ok()) << broker.status().message();
  EXPECT_FALSE(broker->empty());
}

// A topic deleted and created again under its name is a new topic: only its id says so.
TEST_F(Compat, TopicIdsTellARecreatedTopic) {
  std::string topic = Unique("compat-ids");
  CreateTopic(topic, 1);
  auto first = admin_->DescribeTopicIds({topic, topic + "-missing"}, 30s);
  ASSERT_TRUE(first.ok()) << first.status().message();
  ASSERT_TRUE(first->at(topic).ok()) << first->at(topic).status().message();
  EXPECT_EQ(first->at(topic)->size(), 22u);  // 16 bytes in unpadded base64
  EXPECT_EQ(first->at(topic + "-missing").status().code(), StatusCode::kNotFound);

  auto deleted = admin_->DeleteTopics({topic}, 30s);
  ASSERT_TRUE(deleted.ok() && (*deleted)[0].ok());
  // Deletion completes asynchronously: create again until the broker accepts the name.
  auto deadline = std::chrono::steady_clock::now() + 60s;
  Result<std::vector<Status>> created = std::vector<Status>{};
  do {
    created = admin_->CreateTopics({{topic, 1, 1, {}}}, 30s);
    ASSERT_TRUE(created.ok()) << created.status().message();
    if ((*created)[0].ok()) break;
    std::this_thread::sleep_for(200ms);
  } while (std::chrono::steady_clock::now() < deadline);
  ASSERT_TRUE((*created)[0].ok()) << (*created)[0].message();
  // The broker learns of the new topic from the controller a little later: until then it
  // answers UNKNOWN_TOPIC_OR_PARTITION.
  Result<std::map<std::string, Result<std::string>>> second = Internal("not asked yet");
  deadline = std::chrono::steady_clock::now() + 30s;
  do {
    second = admin_->DescribeTopicIds({topic}, 30s);
    if (second.ok() && second->at(topic).ok()) break;
    std::this_thread::sleep_for(200ms);
  } while (std::chrono::steady_clock::now() < deadline);
  ASSERT_TRUE(second.ok()) << second.status().message();
  ASSERT_TRUE(second->at(topic).ok()) << second->at(topic).status().message();
  EXPECT_NE(*second->at(topic), *first->at(topic));
}

}  // namespace
}  // namespace strait::kafka
