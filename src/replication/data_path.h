// The data path of one flow: a source consumer and a target producer, and the per-partition
// pipes between them.
//
// One thread ("data-<flow>") owns everything here: it polls the consumer, produces each
// record to the same partition of the remote topic (keys, values, headers, timestamps kept,
// a provenance header added), and counts a source offset as done only when the target
// acknowledged it (acks=all, idempotent producer). Each partition has a bounded in-flight
// budget; a partition over budget is paused at the source, never blocking its neighbours.
//
// The control loop (Flow) tells it which partitions to mirror from which offset through
// Post(); it reports partitions that stopped and need the control loop's attention through
// TakeEvents(). Post, TakeEvents and Stop are thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

#include "base/status.h"
#include "config/config.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "replication/data_clients.h"
#include "replication/hop.h"
#include "replication/loop_clock.h"
#include "replication/partition_state.h"
#include "replication/start_at.h"

namespace strait::replication {

struct StartPartition {
  std::shared_ptr<PartitionState> state;
  StartAt from = StartAt::Earliest();
  int64_t max_message_bytes = 1048588;  // the remote topic's max.message.bytes
  bool keys_required = false;           // the remote topic is compacted
  // provenance::TopicFingerprint of the source topic's id, written into every record's
  // provenance header so that resume can tell a topic deleted and created again.
  uint64_t source_topic = 0;
};

struct StopPartition {
  kafka::TopicPartition source;
  std::string reason;
};

// What the remote topic accepts changed: records that it would refuse stop their partition
// before they are sent, since librdkafka's idempotent producer would write the records
// after a refused one.
struct SetMessageLimit {
  std::string source_topic;
  int64_t max_message_bytes = 0;
  bool keys_required = false;
  bool operator==(const SetMessageLimit&) const = default;
};

using Command = std::variant<StartPartition, StopPartition, SetMessageLimit>;

// Something the control loop must act on. Except for kStopping, the partition has been
// released (unassigned, nothing in flight) before the event is sent, and may be started again.
struct DataEvent {
  enum class Kind {
    kStopping,     // an error stopped it; `error` says why; kStopped or kOutOfRange follows
    kStopped,      // released after an error; `error` says why; retry later
    kOutOfRange,   // released: the source no longer has `offset` (retention or truncation)
    kNeedsResume,  // released: the producer was replaced; find where the target stopped again
    kReleased,     // released: a StopPartition finished
  };
  Kind kind = Kind::kStopped;
  kafka::TopicPartition source;
  // The first source offset not on the target (kOutOfRange: the one the source lacks);
  // nullopt before the first record of a partition started at an end of the log.
  std::optional<SourceOffset> offset;
  std::string error;
  // The error's class, a StatusCodeName ("resource_exhausted"): strait_partition_stopped's
  // reason label, which must have few values.
  std::string reason;
  // kOutOfRange only: the source's leader found its log truncated below what the consumer
  // read (leader-epoch validation), and where, when librdkafka said.
  std::optional<kafka::LogTruncation> truncation;
};

struct DataPathOptions {
  std::string flow_name;
  kafka::Properties consumer_properties;
  kafka::Properties producer_properties;
  uint64_t source_fingerprint = 0;
  uint64_t target_fingerprint = 0;
  bool provenance_headers = true;
  int64_t max_inflight_bytes = 32 << 20;
  int64_t max_inflight_bytes_per_partition = 8 << 20;
  DataPathClients clients;
  // Group mode (membership.h): writes go in transactions of this id, each committed with
  // the next source offset of every partition it wrote, under the group member `group`'s
  // generation: the target's group coordinator refuses the commit of a member whose
  // partitions moved (KIP-447), so what a paused former owner writes is aborted. Empty: the
  // idempotent producer alone.
  std::string transactional_id;
  std::chrono::milliseconds transaction_timeout{10000};
  std::chrono::milliseconds commit_interval{1000};  // config.h GroupConfig::commit_interval
  kafka::Consumer* group = nullptr;                 // outlives the data path
};

class DataPath {
 public:
  explicit DataPath(DataPathOptions options);
  ~DataPath();

  // Creates the clients and starts the thread.
  Status Start();
  void Post(Command command);
  std::vector<DataEvent> TakeEvents();
  // Stops consuming, waits up to `drain` for in-flight records to be acknowledged, and
  // joins the thread. Records not acknowledged are simply mirrored again after a restart.
  void Stop(std::chrono::milliseconds drain);

  int64_t inflight_bytes() const { return inflight_bytes_total_.load(std::memory_order_relaxed); }
  int64_t dropped_duplicates() const { return dropped_duplicates_.load(std::memory_order_relaxed); }
  int64_t producer_resets() const { return producer_resets_.load(std::memory_order_relaxed); }
  // Group mode: transactions aborted after their offsets were refused whose partitions were
  // read again without a resume (RewindTransaction).
  int64_t rewound_transactions() const {
    return rewound_transactions_.load(std::memory_order_relaxed);
  }
  // Milliseconds since the epoch at which the data thread last went round its loop.
  int64_t last_loop_ms() const { return last_loop_ms_.load(std::memory_order_relaxed); }
  // Seconds the data thread spent working and waiting for each side (loop_clock.h).
  double loop_seconds(LoopState state) const { return loop_clock_.Seconds(state); }

 private:
  struct Pipe;
  struct InFlight {
    Pipe* pipe = nullptr;
    SourceOffset offset;
    int64_t bytes = 0;
    int64_t timestamp = 0;
    bool settled = false;  // its report came; it leaves the queue once those before it have
  };

  void Run();
  Status CreateProducer();
  void Consume(std::vector<kafka::Message>* batch);
  void ApplyCommands();
  void Handle(kafka::Message& message);
  void HandleConsumerError(const kafka::Message& message);
  bool Produce(Pipe& pipe, const kafka::Message& message);
  Status Unfit(const Pipe& pipe, const kafka::Message& message,
               const std::vector<kafka::HeaderView>& headers) const;
  void OnDelivery(const kafka::DeliveryReport& report);
  // `error`'s code becomes the partition's stop reason (/metrics); its message the error.
  void StopPipe(Pipe& pipe, const Status& error, DataEvent::Kind kind,
                std::optional<SourceOffset> offset = std::nullopt,
                std::optional<kafka::LogTruncation> truncation = std::nullopt);
  void ReleaseIfDone(Pipe& pipe);
  void UpdateFlowControl();
  void UpdateWatermarks();
  void ResetProducer(const Status& why);
  // After a reset: makes the new producer, then hands back the partitions the reset let go
  // (kNeedsResume). False, with producer_ still null, when it cannot be made yet.
  bool RemakeProducer();
  void Drain(std::chrono::milliseconds timeout);
  // Transactions (group mode, data_path_txn.cc): one is open whenever records may be sent;
  // CommitTransaction waits for what was sent, commits it with each partition's next source
  // offset, and then releases the stopped partitions whose records it held. A failure
  // replaces the producer: every partition resumes from what the target committed.
  bool transactional() const { return !options_.transactional_id.empty(); }
  void BeginTransaction();
  void CommitTransaction();
  bool TransactionDue() const;  // data_path_txn.cc
  bool CaughtUp() const;
  void AssignNow(std::vector<kafka::TopicPartitionOffset>* assign);
  // After the offsets of the open transaction were refused: aborts it and reads its
  // partitions again from where it began, keeping the producer. False when that is not
  // safe (a written partition is stopping) or the abort failed: the producer is replaced.
  bool RewindTransaction(const std::vector<Pipe*>& written, const Status& why);
  Pipe* Route(const kafka::Message& message);
  int64_t PartitionBudget() const;
  void Emit(DataEvent event);

  DataPathOptions options_;
  const int64_t batch_bytes_;  // ProducerBatchBytes of the target producer
  std::unique_ptr<kafka::Consumer> consumer_;
  std::unique_ptr<kafka::Producer> producer_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::chrono::milliseconds drain_timeout_{30000};  // set by Stop() before stop_

  std::mutex mu_;
  std::vector<Command> commands_;  // guarded by mu_
  std::vector<DataEvent> events_;  // guarded by mu_

  // Owned by the data thread.
  std::map<kafka::TopicPartition, std::unique_ptr<Pipe>> pipes_;
  std::unordered_map<const void*, std::vector<Pipe*>> routes_;  // consumer topic handle -> pipes
  HopScratch hop_scratch_;  // PassOn's per-record buffers, kept from record to record
  std::vector<kafka::TopicPartition> to_pause_, to_resume_;
  Status fatal_;  // set by a delivery report or a refused produce; acted on in the loop
  std::vector<DataEvent> awaiting_producer_;  // sent once a new producer exists
  int busy_pipes_ = 0;  // pipes with records in flight: how many share the flow budget
  bool txn_open_ = false;
  int64_t txn_records_ = 0;  // sent in the open transaction
  int64_t txn_began_ms_ = 0;
  // After a rewind: where each rewound partition had been read to. The transaction that
  // copies them again commits as soon as they are back there (TransactionDue), not a whole
  // commit interval later: their records were already late by the aborted transaction.
  std::vector<std::pair<kafka::TopicPartition, SourceOffset>> catch_up_;

  std::atomic<int64_t> inflight_bytes_total_{0};
  std::atomic<int64_t> dropped_duplicates_{0};
  std::atomic<int64_t> producer_resets_{0};
  std::atomic<int64_t> rewound_transactions_{0};
  std::atomic<int64_t> last_loop_ms_{0};
  LoopClock loop_clock_;
};

}  // namespace strait::replication
