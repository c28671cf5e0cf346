// The data path against librdkafka's mock cluster: a source and a target cluster in
// process, real clients, faults injected where a real broker cannot make them on demand.
// The test plays the control loop: it posts commands and takes the events.
#include "replication/data_path.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <thread>

#include "kafka/consumer.h"
#include "kafka/mock_cluster.h"
#include "kafka/producer.h"
#include "provenance/log_search.h"
#include "provenance/provenance.h"
#include "replication/resume.h"

namespace strait::replication {
namespace {

using namespace std::chrono_literals;
using kafka::KafkaError;
using kafka::MockCluster;

constexpr uint64_t kSourceFp = 101;
constexpr uint64_t kTargetFp = 202;

// Polls `done` every 10 ms for up to `limit`; the limit is generous for a loaded machine and
// ThreadSanitizer, never a measure of speed.
bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds limit = 60s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

struct Record {
  int64_t offset = 0;
  std::string key, value;
  std::vector<std::pair<std::string, std::string>> headers;
};

void Produce(MockCluster& cluster, const std::string& topic, int32_t partition, int from, int count,
             size_t value_bytes = 16) {
  auto producer = kafka::Producer::Create({"test-producer", cluster.ClientProperties(), {}}, {});
  ASSERT_TRUE(producer.ok()) << producer.status().message();
  for (int i = from; i < from + count; ++i) {
    std::string key = "k" + std::to_string(i);
    std::string value = "v" + std::to_string(i);
    value.resize(std::max(value.size(), value_bytes), '.');
    kafka::Headers headers;
    headers.Add("seq", std::to_string(i));
    kafka::ProduceRecord r{(*producer)->Topic(topic), partition, key, value, 0, &headers};
    ASSERT_TRUE((*producer)->Produce(r).ok());
  }
  ASSERT_TRUE((*producer)->Flush(30s).ok());
}

// Every record of a partition, from its log start to its end.
std::vector<Record> ReadAll(MockCluster& cluster, const std::string& topic, int32_t partition) {
  kafka::ConsumerOptions options;
  options.client = {"test-reader", cluster.ClientProperties(), {}};
  options.client.properties.push_back({"enable.partition.eof", "true"});
  auto consumer = kafka::Consumer::Create(std::move(options));
  EXPECT_TRUE(consumer.ok());
  std::vector<Record> out;
  if (!consumer.ok()) return out;
  EXPECT_TRUE((*consumer)->Assign({{topic, partition, kafka::kOffsetBeginning}}).ok());
  bool eof = false;
  WaitFor([&] {
    std::vector<kafka::Message> batch;
    (*consumer)->PollBatch(100ms, 1000, &batch);
    for (const kafka::Message& m : batch) {
      if (m.is_partition_eof()) {
        eof = true;
        continue;
      }
      if (!m.error().ok()) continue;
      Record r{m.offset(), std::string(m.key().value_or("")), std::string(m.value().value_or(""))};
      for (const kafka::HeaderView& h : m.headers()) {
        r.headers.push_back({std::string(h.name), std::string(h.value.value_or(""))});
      }
      out.push_back(std::move(r));
    }
    return eof;
  });
  return out;
}

// The source offsets that the target's records came from, in target order.
std::vector<int64_t> Upstreams(const std::vector<Record>& records) {
  std::vector<int64_t> out;
  for (const Record& r : records) {
    for (const auto& [name, value] : r.headers) {
      if (name != provenance::kProvenanceHeader) continue;
      std::optional<provenance::Provenance> p = provenance::DecodeProvenance(value);
      out.push_back(p ? p->upstream_offset.value() : -1);
    }
  }
  return out;
}

std::vector<int64_t> Range(int64_t from, int64_t to) {
  std::vector<int64_t> out;
  for (int64_t i = from; i < to; ++i) out.push_back(i);
  return out;
}

class DataPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto source = MockCluster::Create();
    auto target = MockCluster::Create();
    ASSERT_TRUE(source.ok() && target.ok());
    source_ = std::move(source).value();
    target_ = std::move(target).value();
    ASSERT_TRUE(source_->CreateTopic("orders", 2).ok());
    ASSERT_TRUE(target_->CreateTopic("dc1.orders", 2).ok());
    for (int32_t p = 0; p < 2; ++p) {
      states_.push_back(std::make_shared<PartitionState>("orders", PartitionId(p), "dc1.orders"));
    }
  }

  void TearDown() override {
    if (data_ != nullptr) data_->Stop(5s);
  }

  // Group mode: the instance's member of the flow's group on the target, and options that
  // write in transactions under its generation.
  Result<std::unique_ptr<kafka::Consumer>> GroupMember() {
    kafka::ConsumerOptions member;
    member.client = {"test-group", target_->ClientProperties(), {}};
    member.client.properties.push_back({"group.id", "strait.dc1.dc2"});
    return kafka::Consumer::Create(std::move(member));
  }
  DataPathOptions GroupOptions(kafka::Consumer* group) {
    DataPathOptions o = Options();
    o.transactional_id = "strait.dc1.dc2.a";
    o.group = group;
    return o;
  }

  DataPathOptions Options() {
    DataPathOptions o;
    o.flow_name = "dc1->dc2";
    o.consumer_properties = source_->ClientProperties();
    o.producer_properties = target_->ClientProperties();
    o.source_fingerprint = kSourceFp;
    o.target_fingerprint = kTargetFp;
    o.clients.producer = [this](const kafka::ClientOptions& options,
                                kafka::DeliveryHandler handler) {
      ++producers_made_;
      return kafka::Producer::Create(options, std::move(handler));
    };
    return o;
  }

  void Start(DataPathOptions options) {
    data_ = std::make_unique<DataPath>(std::move(options));
    ASSERT_TRUE(data_->Start().ok());
  }

  void StartPartition(int32_t p, StartAt at = StartAt::Earliest()) {
    data_->Post(replication::StartPartition{states_[p], at, 1048588});
  }

  // Takes events until one of `kind` for partition `p` arrives; all taken are kept.
  std::optional<DataEvent> AwaitEvent(DataEvent::Kind kind, int32_t p) {
    std::optional<DataEvent> found;
    WaitFor([&] {
      for (DataEvent& e : data_->TakeEvents()) events_.push_back(std::move(e));
      for (const DataEvent& e : events_) {
        if (e.kind == kind && e.source.partition == p) found = e;
      }
      return found.has_value();
    });
    return found;
  }

  // Starts both partitions (`records[p]` at the source, 100 unless told): the producer is
  // replaced, both are let go, and resumed as the control loop does it (where the target
  // stopped), neither has a gap or a duplicate.
  void ExpectAResetAndAWholeResume(std::array<int64_t, 2> records = {100, 100}) {
    StartPartition(0);
    StartPartition(1);
    ASSERT_TRUE(AwaitEvent(DataEvent::Kind::kNeedsResume, 0).has_value());
    ASSERT_TRUE(AwaitEvent(DataEvent::Kind::kNeedsResume, 1).has_value());
    provenance::LogSearch tails(target_->ClientProperties(), "test-tails", 30s);
    std::unique_ptr<ResumeStrategy> resume = ResumeFromTargetLog(&tails, kSourceFp);
    auto found = resume->Find("dc1.orders", 0, {PartitionId(0), PartitionId(1)});
    ASSERT_TRUE(found.ok()) << found.status().message();
    for (int32_t p = 0; p < 2; ++p) {
      auto it = found->find(PartitionId(p));
      StartPartition(p,
                     it != found->end() ? StartAt::Offset(*it->second.next) : StartAt::Earliest());
    }
    for (int32_t p = 0; p < 2; ++p) {
      ASSERT_TRUE(Mirrored(p, records[p]));
      EXPECT_EQ(Upstreams(ReadAll(*target_, "dc1.orders", p)), Range(0, records[p]));
    }
  }

  bool Mirrored(int32_t p, int64_t records) {
    return WaitFor([&] { return states_[p]->acked_next.load() == SourceOffset(records); });
  }

  std::unique_ptr<MockCluster> source_, target_;
  std::vector<std::shared_ptr<PartitionState>> states_;
  std::unique_ptr<DataPath> data_;
  std::vector<DataEvent> events_;
  std::atomic<int> producers_made_{0};
};

TEST_F(DataPathTest, MirrorsEveryRecordOnceInOrderWithKeysValuesAndHeaders) {
  Produce(*source_, "orders", 0, 0, 300);
  Produce(*source_, "orders", 1, 0, 200);
  Start(Options());
  StartPartition(0);
  StartPartition(1);
  ASSERT_TRUE(Mirrored(0, 300));
  ASSERT_TRUE(Mirrored(1, 200));

  std::vector<Record> target = ReadAll(*target_, "dc1.orders", 0);
  ASSERT_EQ(target.size(), 300u);
  EXPECT_EQ(Upstreams(target), Range(0, 300));
  EXPECT_EQ(target[7].key, "k7");
  EXPECT_EQ(target[7].value.substr(0, 3), "v7.");
  EXPECT_EQ(target[7].headers.front(), (std::pair<std::string, std::string>{"seq", "7"}));
  EXPECT_EQ(Upstreams(ReadAll(*target_, "dc1.orders", 1)), Range(0, 200));
  EXPECT_EQ(states_[0]->records.load(), 300);
  EXPECT_EQ(states_[0]->offset_map.Translate(SourceOffset(10)).target, TargetOffset(10));
}

// A slow target: the partitions' in-flight budgets fill, they are paused at the source and
// resumed as acknowledgements come back, and nothing is lost or doubled on the way.
// Group mode: records go in transactions, committed with each partition's next source offset
// for the instance group (librdkafka's mock cluster does not keep those offsets: the
// end-to-end tests see the coordinator refuse a stale generation's); only committed records
// count, and a stopped partition is released with what was committed.
TEST_F(DataPathTest, InGroupModeRecordsAreCommittedInTransactions) {
  auto group = GroupMember();
  ASSERT_TRUE(group.ok()) << group.status().message();
  Produce(*source_, "orders", 0, 0, 150);
  Start(GroupOptions(group->get()));
  StartPartition(0);
  ASSERT_TRUE(Mirrored(0, 150));
  EXPECT_EQ(Upstreams(ReadAll(*target_, "dc1.orders", 0)), Range(0, 150));  // read_committed
  data_->Post(StopPartition{{"orders", 0}, "moved to another instance"});
  std::optional<DataEvent> released = AwaitEvent(DataEvent::Kind::kReleased, 0);
  ASSERT_TRUE(released.has_value());
  EXPECT_EQ(released->offset, SourceOffset(150));
}

// A partition started and stopped before the data thread turned (the control loop posted
// both while the thread waited, e.g. on a commit) is assigned and unassigned in that order:
// unassigned before its deferred assignment, it stayed assigned in librdkafka without a pipe,
// and its next start failed ("already part of the current assignment") and never fetched.
TEST_F(DataPathTest, APartitionStartedAndStoppedInOneTurnCanStartAgain) {
  Produce(*source_, "orders", 0, 0, 100);
  DataPathOptions options = Options();
  kafka::Consumer* consumer = nullptr;  // owned by the data path
  options.clients.consumer = [&](kafka::ConsumerOptions o) {
    Result<std::unique_ptr<kafka::Consumer>> made = kafka::Consumer::Create(std::move(o));
    if (made.ok()) consumer = made->get();
    return made;
  };
  data_ = std::make_unique<DataPath>(std::move(options));
  StartPartition(0, StartAt::Offset(SourceOffset(100)));
  data_->Post(StopPartition{{"orders", 0}, "moved to another instance"});
  ASSERT_TRUE(data_->Start().ok());  // the thread's first turn sees both commands
  ASSERT_TRUE(AwaitEvent(DataEvent::Kind::kReleased, 0).has_value());
  Result<std::vector<kafka::TopicPartition>> assigned = consumer->Assignment();
  ASSERT_TRUE(assigned.ok());
  EXPECT_TRUE(assigned->empty()) << assigned->front().topic;
  // Started again further back, from where a stale assignment would not fetch.
  StartPartition(0, StartAt::Earliest());
  EXPECT_TRUE(Mirrored(0, 100));
}

// Issue 18: the data thread's time is split by what it waits for. With nothing to copy it
// waits for the source; copying, it also works.
TEST_F(DataPathTest, AnIdleFlowWaitsForTheSourceAndACopyingOneWorks) {
  Start(Options());
  StartPartition(0);
  EXPECT_TRUE(WaitFor([&] { return data_->loop_seconds(LoopState::kWaitingFetch) >= 0.3; }));
  EXPECT_LT(data_->loop_seconds(LoopState::kWaitingProduce), 0.1);
  const double working = data_->loop_seconds(LoopState::kWorking);
  Produce(*source_, "orders", 0, 0, 500);
  ASSERT_TRUE(Mirrored(0, 500));
  EXPECT_TRUE(WaitFor([&] { return data_->loop_seconds(LoopState::kWorking) > working; }));
}

// A rebalance makes the target's group coordinator refuse the open transaction's offsets
// (ILLEGAL_GENERATION; an abortable error in librdkafka). None of its partitions was
// stopping, so the transaction is aborted and its partitions read again from where it
// began, on the same producer and without a resume (before: the producer was replaced and
// every partition handed back with kNeedsResume); each record is on the target once.
TEST_F(DataPathTest, InGroupModeRefusedOffsetsRewindTheTransactionWithoutAResume) {
  auto group = GroupMember();
  ASSERT_TRUE(group.ok()) << group.status().message();
  ASSERT_TRUE(target_
                  ->FailTransactionOffsets({kafka::KafkaError::kIllegalGeneration,
                                            kafka::KafkaError::kIllegalGeneration})
                  .ok());
  Produce(*source_, "orders", 0, 0, 150);
  Produce(*source_, "orders", 1, 0, 150);
  Start(GroupOptions(group->get()));
  StartPartition(0);
  StartPartition(1);
  ASSERT_TRUE(WaitFor([&] { return data_->rewound_transactions() >= 2; }));
  // The mock broker does not hide aborted records from read_committed readers (a real one
  // does: tests/test_instances.py): the log holds the aborted copies, each a run from where
  // its transaction began, and then the committed one, every record once and in order.
  for (int32_t p : {0, 1}) {
    EXPECT_TRUE(WaitFor([&] {
      std::vector<int64_t> log = Upstreams(ReadAll(*target_, "dc1.orders", p));
      return log.size() >= 150 && std::vector<int64_t>(log.end() - 150, log.end()) == Range(0, 150);
    })) << p;
  }
  EXPECT_EQ(data_->producer_resets(), 0);
  // Mirrored records are counted once, when committed: not the aborted copies.
  for (int32_t p : {0, 1}) {
    EXPECT_TRUE(WaitFor([&] { return states_[p]->records.load() == 150; }, 20s))
        << p << ": " << states_[p]->records.load();
  }
  // Group offsets translate to the committed copy, not to an aborted one before it.
  const std::vector<Record> log = ReadAll(*target_, "dc1.orders", 0);
  const int64_t committed_10 = log[log.size() - 140].offset;  // the committed copy of 10
  EXPECT_EQ(states_[0]->offset_map.Translate(SourceOffset(10)).target, TargetOffset(committed_10));
  for (const DataEvent& e : data_->TakeEvents()) {
    EXPECT_NE(e.kind, DataEvent::Kind::kNeedsResume) << e.source.partition;
  }
}

TEST_F(DataPathTest, PausesPartitionsOverTheirBudgetAndResumesThemWithoutLoss) {
  constexpr int kRecords = 1500;
  Produce(*source_, "orders", 0, 0, kRecords, 1000);
  Produce(*source_, "orders", 1, 0, kRecords, 1000);
  ASSERT_TRUE(target_->SetRoundTrip(200ms).ok());
  DataPathOptions options = Options();
  options.max_inflight_bytes = 256 << 10;
  options.max_inflight_bytes_per_partition = 0;
  Start(std::move(options));

  // Another thread reads the partitions while the data thread writes them, as /status does.
  std::atomic<bool> seen_throttled{false}, done{false};
  std::thread reader([&] {
    while (!done.load()) {
      for (const auto& s : states_) {
        if (s->throttled()) seen_throttled.store(true);
        (void)s->LagRecords();
        (void)s->StateName();
      }
      std::this_thread::sleep_for(1ms);
    }
  });
  StartPartition(0);
  StartPartition(1);
  const bool mirrored = Mirrored(0, kRecords) && Mirrored(1, kRecords);
  done.store(true);
  reader.join();
  ASSERT_TRUE(mirrored);
  EXPECT_TRUE(seen_throttled.load());
  // Over its budget, the data thread waited for the target's acknowledgements (/metrics
  // strait_data_loop_seconds_total{state="waiting_produce"}): 200 ms a round trip.
  EXPECT_GE(data_->loop_seconds(LoopState::kWaitingProduce), 0.2);
  EXPECT_TRUE(WaitFor([&] { return !states_[0]->throttled() && !states_[1]->throttled(); }));
  EXPECT_EQ(Upstreams(ReadAll(*target_, "dc1.orders", 0)), Range(0, kRecords));
  EXPECT_EQ(Upstreams(ReadAll(*target_, "dc1.orders", 1)), Range(0, kRecords));
}

// The target refuses a batch of partition 0 for good: that partition stops with the
// broker's reason, nothing after the failed record is written, and partition 1 goes on.
// The mock refuses one request only, where a real broker would refuse every one: the
// records are sent in one batch (linger), so that none after the failed one is in another.
TEST_F(DataPathTest, ADeliveryFailureStopsOnlyItsPartitionAndSaysWhy) {
  ASSERT_TRUE(target_->FailProduce("dc1.orders", 0, {KafkaError::kInvalidRecord}).ok());
  Produce(*source_, "orders", 0, 0, 50);
  Produce(*source_, "orders", 1, 0, 50);
  DataPathOptions options = Options();
  options.producer_properties.push_back({"linger.ms", "300"});
  Start(std::move(options));
  StartPartition(0);
  StartPartition(1);

  std::optional<DataEvent> stopping = AwaitEvent(DataEvent::Kind::kStopping, 0);
  ASSERT_TRUE(stopping.has_value());
  EXPECT_NE(stopping->error.find("dc1.orders[0]"), std::string::npos) << stopping->error;
  EXPECT_NE(stopping->error.find("INVALID_RECORD"), std::string::npos) << stopping->error;
  std::optional<DataEvent> stopped = AwaitEvent(DataEvent::Kind::kStopped, 0);
  ASSERT_TRUE(stopped.has_value());
  EXPECT_EQ(stopped->offset, SourceOffset(0));  // where a retry must start

  ASSERT_TRUE(Mirrored(1, 50));
  EXPECT_EQ(Upstreams(ReadAll(*target_, "dc1.orders", 1)), Range(0, 50));
  EXPECT_GT(states_[0]->errors.load(), 0);

  // The retry the control loop makes after its backoff mirrors the partition whole.
  StartPartition(0, StartAt::Offset(*stopped->offset));
  ASSERT_TRUE(Mirrored(0, 50));
  EXPECT_EQ(Upstreams(ReadAll(*target_, "dc1.orders", 0)), Range(0, 50));
}

// A producer batch.size above what the remote topic accepts would have a full batch refused,
// and librdkafka's idempotent producer would then write the records after it (a gap, and
// a partition that restarts there for ever). Such a partition stops before anything is
// sent, saying which setting to change; a topic that accepts the batches is not affected.
TEST_F(DataPathTest, ABatchSizeAboveTheTopicsLimitStopsItsPartitionsBeforeAnythingIsSent) {
  Produce(*source_, "orders", 0, 0, 50);
  Produce(*source_, "orders", 1, 0, 50);
  DataPathOptions options = Options();
  options.producer_properties.push_back({"batch.size", "4000000"});
  Start(std::move(options));
  data_->Post(replication::StartPartition{states_[0], StartAt::Offset(SourceOffset(0)), 1048588});
  data_->Post(replication::StartPartition{states_[1], StartAt::Earliest(), 8000000});

  std::optional<DataEvent> stopped = AwaitEvent(DataEvent::Kind::kStopped, 0);
  ASSERT_TRUE(stopped.has_value());
  EXPECT_NE(stopped->error.find("batch.size is 4000000 bytes; the target topic dc1.orders "
                                "accepts batches of at most 1048588"),
            std::string::npos)
      << stopped->error;
  EXPECT_NE(stopped->error.find("set batch.size to at most 1048588"), std::string::npos);
  EXPECT_EQ(stopped->offset, SourceOffset(0));
  ASSERT_TRUE(Mirrored(1, 50));
  EXPECT_EQ(Upstreams(ReadAll(*target_, "dc1.orders", 1)), Range(0, 50));
  EXPECT_TRUE(ReadAll(*target_, "dc1.orders", 0).empty());
}

// A write the target's ACLs deny stops the partition with who was denied what and how to
// grant it (kafka/security.h). Denied on a topic, it is denied on all its partitions
// (librdkafka fails the whole topic), so only partition 0 is looked at.
TEST_F(DataPathTest, ADeniedWriteSaysWhoWasDeniedWhatAndHowToGrantIt) {
  ASSERT_TRUE(target_->FailProduce("dc1.orders", 0, {KafkaError::kTopicAuthorizationFailed}).ok());
  Produce(*source_, "orders", 0, 0, 50);
  DataPathOptions options = Options();
  options.producer_properties.push_back({"linger.ms", "300"});
  Start(std::move(options));
  StartPartition(0);

  std::optional<DataEvent> stopping = AwaitEvent(DataEvent::Kind::kStopping, 0);
  ASSERT_TRUE(stopping.has_value());
  EXPECT_NE(stopping->error.find("dc1.orders[0]"), std::string::npos) << stopping->error;
  EXPECT_NE(stopping->error.find("denied User:ANONYMOUS WRITE on topic dc1.orders"),
            std::string::npos)
      << stopping->error;
  EXPECT_NE(stopping->error.find("kafka-acls"), std::string::npos) << stopping->error;
  EXPECT_EQ(stopping->reason, "permission_denied");  // strait_partition_stopped's label
  std::optional<DataEvent> stopped = AwaitEvent(DataEvent::Kind::kStopped, 0);
  ASSERT_TRUE(stopped.has_value());
  EXPECT_EQ(stopped->offset, SourceOffset(0));
}

// The idempotent producer fails fatally: the data path replaces it, lets every partition
// go and asks for a resume; resuming from the target's log leaves no gap and no duplicate.
TEST_F(DataPathTest, AFatalProducerErrorReplacesTheProducerAndEveryPartitionResumes) {
  Produce(*source_, "orders", 0, 0, 100);
  Produce(*source_, "orders", 1, 0, 100);
  ASSERT_TRUE(target_->FailProduce("dc1.orders", 0, {KafkaError::kOutOfOrderSequenceNumber}).ok());
  Start(Options());
  ExpectAResetAndAWholeResume();
  EXPECT_EQ(data_->producer_resets(), 1);
  EXPECT_EQ(producers_made_.load(), 2);
}

// The fatal error comes while another partition's records are still being handed to the
// producer, which refuses them before its delivery report says why: that partition must not
// stop for it (it would stay stopped), but be let go and resumed like every other.
TEST_F(DataPathTest, RecordsRefusedByAFailedProducerDoNotStopTheirPartition) {
  Produce(*source_, "orders", 0, 0, 100);
  Produce(*source_, "orders", 1, 0, 20000);
  ASSERT_TRUE(target_->FailProduce("dc1.orders", 0, {KafkaError::kOutOfOrderSequenceNumber}).ok());
  Start(Options());
  ExpectAResetAndAWholeResume({100, 20000});
  EXPECT_EQ(data_->producer_resets(), 1);
}

// The producer that replaces a failed one cannot be made at first: the data path keeps the
// partitions let go and tries again, rather than use a producer that is not there, and hands
// them back only once one exists; they then resume from the target without gap or duplicate.
TEST_F(DataPathTest, AProducerThatCannotBeMadeAgainAtOnceIsTriedAgain) {
  Produce(*source_, "orders", 0, 0, 100);
  Produce(*source_, "orders", 1, 0, 100);
  ASSERT_TRUE(target_->FailProduce("dc1.orders", 0, {KafkaError::kOutOfOrderSequenceNumber}).ok());
  DataPathOptions options = Options();
  options.clients.producer =
      [this](const kafka::ClientOptions& o,
             kafka::DeliveryHandler h) -> Result<std::unique_ptr<kafka::Producer>> {
    if (++producers_made_ == 2) return Unavailable("the second producer cannot be made");
    return kafka::Producer::Create(o, std::move(h));
  };
  Start(std::move(options));
  ExpectAResetAndAWholeResume();
  EXPECT_EQ(producers_made_.load(), 3);  // the one refused, then the one that works
}

// A delivery fails while the data path waits for room in the producer's full local queue:
// the record it was trying to hand over is not handed over after all (it would land after
// the failed one, and its in-flight entry would be gone when its report came). librdkafka
// then fails the records still queued ahead of those in flight; the partition stops at the
// first failed record, without a producer reset.
TEST_F(DataPathTest, ADeliveryFailureWhileTheQueueIsFullStopsAtTheFailedRecord) {
  Produce(*source_, "orders", 0, 0, 400);
  ASSERT_TRUE(target_->SetRoundTrip(100ms).ok());
  ASSERT_TRUE(target_->FailProduce("dc1.orders", 0, {KafkaError::kTopicAuthorizationFailed}).ok());
  DataPathOptions options = Options();
  options.producer_properties.push_back({"queue.buffering.max.messages", "20"});
  options.producer_properties.push_back({"batch.num.messages", "5"});
  options.max_inflight_bytes_per_partition = 0;
  Start(std::move(options));
  StartPartition(0);

  std::optional<DataEvent> stopped = AwaitEvent(DataEvent::Kind::kStopped, 0);
  ASSERT_TRUE(stopped.has_value());
  EXPECT_EQ(stopped->offset, SourceOffset(0));
  EXPECT_EQ(data_->producer_resets(), 0);
  EXPECT_EQ(states_[0]->inflight_records.load(), 0);
  EXPECT_EQ(states_[0]->acked_next.load(), SourceOffset(0));
}

// Stopping a partition (a deleted source topic today; a partition revoked from this
// instance tomorrow) releases it only once everything in flight is acknowledged, so
// whoever starts it next at the acknowledged position neither skips nor doubles a record.
TEST_F(DataPathTest, AStoppedPartitionIsReleasedOnlyWhenNothingIsInFlight) {
  constexpr int kRecords = 400;
  Produce(*source_, "orders", 0, 0, kRecords, 200);
  ASSERT_TRUE(target_->SetRoundTrip(300ms).ok());
  Start(Options());
  StartPartition(0);
  ASSERT_TRUE(WaitFor([&] { return states_[0]->inflight_records.load() > 0; }));
  data_->Post(StopPartition{{"orders", 0}, "revoked"});
  Produce(*source_, "orders", 0, kRecords, 200, 200);  // arrives after the stop

  std::optional<DataEvent> released = AwaitEvent(DataEvent::Kind::kReleased, 0);
  ASSERT_TRUE(released.has_value());
  EXPECT_EQ(states_[0]->inflight_records.load(), 0);
  ASSERT_TRUE(released->offset.has_value());
  const SourceOffset next = *released->offset;
  EXPECT_EQ(states_[0]->acked_next.load(), next);
  // The target holds exactly what was acknowledged, in order.
  EXPECT_EQ(Upstreams(ReadAll(*target_, "dc1.orders", 0)), Range(0, next.value()));
  EXPECT_LE(next, SourceOffset(kRecords));  // nothing taken after the stop

  ASSERT_TRUE(target_->SetRoundTrip(0ms).ok());
  StartPartition(0, StartAt::Offset(next));
  ASSERT_TRUE(Mirrored(0, kRecords + 200));
  EXPECT_EQ(Upstreams(ReadAll(*target_, "dc1.orders", 0)), Range(0, kRecords + 200));
}

// Retention deleted records the flow had not mirrored: the partition is released with the
// offset the source no longer has, for the control loop to restart at the log start.
TEST_F(DataPathTest, AnOffsetTheSourceNoLongerHasIsReportedOutOfRange) {
  Produce(*source_, "orders", 0, 0, 100);
  ASSERT_TRUE(source_->DeleteRecordsBefore("orders", 0, 60).ok());
  Start(Options());
  StartPartition(0, StartAt::Offset(SourceOffset(10)));
  std::optional<DataEvent> out = AwaitEvent(DataEvent::Kind::kOutOfRange, 0);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->offset, SourceOffset(10));
  StartPartition(0, StartAt::Offset(SourceOffset(60)));
  ASSERT_TRUE(Mirrored(0, 100));
  EXPECT_EQ(Upstreams(ReadAll(*target_, "dc1.orders", 0)), Range(60, 100));
}

}  // namespace
}  // namespace strait::replication
