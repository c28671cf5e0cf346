// A Kafka consumer: manual assignment (strait's data path) or a subscribed group member
// (tests and tools). Reading returns owning Messages in batches.
//
// Thread rules: one thread polls; Pause/Resume/Assign are called on that same thread.
// Metadata and watermark queries (Client) may come from any thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "kafka/client.h"
#include "kafka/message.h"

struct rd_kafka_consumer_group_metadata_s;
struct rd_kafka_queue_s;

namespace strait::kafka {

enum class RebalanceKind { kAssigned, kRevoked, kLost };

struct RebalanceEvent {
  RebalanceKind kind = RebalanceKind::kAssigned;
  std::vector<TopicPartition> partitions;
  bool cooperative = false;
};

struct ConsumerOptions {
  ClientOptions client;
  // Called on the polling thread after strait applied the (incremental) assignment.
  std::function<void(const RebalanceEvent&)> on_rebalance;
  // With a cooperative assignor, a revoke is not acknowledged inside the callback: the caller
  // calls IncrementalUnassign once it has let the partitions go, and the group hands them to
  // another member only then (replication/membership.h). A lost assignment too: the member
  // rejoins, and its commits carry a valid generation again, only once the caller let go.
  bool defer_revoke = false;
};

class Consumer : public Client {
 public:
  // `group.id` defaults to "strait" when the properties lack one; it is used for commits
  // only if the caller commits or subscribes.
  static Result<std::unique_ptr<Consumer>> Create(ConsumerOptions options);
  ~Consumer() override;

  Status Assign(const std::vector<TopicPartitionOffset>& partitions);
  Status IncrementalAssign(const std::vector<TopicPartitionOffset>& partitions);
  Status IncrementalUnassign(const std::vector<TopicPartition>& partitions);
  Status Subscribe(const std::vector<std::string>& topics);
  Result<std::vector<TopicPartition>> Assignment();

  // Waits up to `timeout` for the first message, then returns what is ready, at most `max`.
  // Error events (per-partition fetch errors) come back as Messages with error() set.
  size_t PollBatch(milliseconds timeout, size_t max, std::vector<Message>* out);

  Status Pause(const std::vector<TopicPartition>& partitions);
  Status Resume(const std::vector<TopicPartition>& partitions);
  Status Seek(const std::vector<TopicPartitionOffset>& positions, milliseconds timeout);

  Status Commit(const std::vector<TopicPartitionOffset>& offsets);
  // Starts committing `offsets` (with their metadata) and returns at once; CommitResult
  // collects the outcome. One at a time: librdkafka keeps a commit until the group's
  // coordinator answers, however long the cluster is away. (The admin API's group calls
  // time out instead, and one that times out while the coordinator is being looked up can
  // abort librdkafka 2.15.1 on an assertion: librdkafka issues 3663 and 4605.)
  Status CommitAsync(const std::vector<TopicPartitionOffset>& offsets);
  // The outcome of the commit CommitAsync started, waiting up to `timeout` for it; nullopt
  // while it is under way, or when none was started.
  std::optional<Result<std::vector<TopicPartitionOffset>>> CommitResult(milliseconds timeout);
  bool commit_pending() const { return commit_pending_; }
  Result<std::vector<TopicPartitionOffset>> Committed(const std::vector<TopicPartition>& partitions,
                                                      milliseconds timeout);
  // Low watermark and high watermark last seen in fetch responses; no network round trip.
  Result<Watermarks> CachedWatermarks(const std::string& topic, int32_t partition);

  // Leaves the group (if any) and stops fetching. Idempotent.
  Status Close();

  // The generation of the group this member last joined (-1 before it joined), and its
  // member id (empty before).
  int32_t GroupGeneration();
  std::string MemberId();

  // For Producer::SendOffsetsToTransaction. Owned by the caller.
  rd_kafka_consumer_group_metadata_s* NewGroupMetadata();

 private:
  friend struct ConsumerCallbacks;
  explicit Consumer(ConsumerOptions options);
  // `partitions` is librdkafka's partition list; `err` says assign or revoke.
  void HandleRebalance(rd_kafka_s* rk, int err, void* partitions);

  std::function<void(const RebalanceEvent&)> on_rebalance_;
  const bool defer_revoke_;
  bool closed_ = false;
  // The group's rebalance protocol as librdkafka last named it (HandleRebalance).
  bool cooperative_ = false;
  rd_kafka_queue_s* commit_queue_ = nullptr;  // CommitAsync's results; made on first use
  bool commit_pending_ = false;
};

}  // namespace strait::kafka
