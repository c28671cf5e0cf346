// The data path's transactions in group mode (data_path.h).
#include "base/clock.h"
#include "base/log.h"
#include "replication/data_path.h"
#include "replication/data_path_pipe.h"

namespace strait::replication {

using namespace std::chrono_literals;

void DataPath::BeginTransaction() {
  Status s = producer_->BeginTransaction();
  if (!s.ok()) {
    if (fatal_.ok()) fatal_ = s;
    return;
  }
  txn_open_ = true;
  txn_records_ = 0;
  txn_began_ms_ = NowMs();
}

// A commit flushes the producer and takes two more round trips to the coordinator, during
// which the data thread reads nothing. Committed on every turn of the loop (a few
// milliseconds of records), that cost two thirds of the backlog throughput; once per
// commit_interval keeps the transactions large. A partition stopped or revoked meanwhile is
// released at the next commit, at most that much later.
bool DataPath::TransactionDue() const {
  if (txn_records_ == 0) return false;
  return NowMs() - txn_began_ms_ >= options_.commit_interval.count() || CaughtUp();
}

bool DataPath::CaughtUp() const {
  if (catch_up_.empty()) return false;
  for (const auto& [tp, before] : catch_up_) {
    auto it = pipes_.find(tp);
    if (it != pipes_.end() && !it->second->draining && it->second->next < before) return false;
  }
  return true;
}

void DataPath::CommitTransaction() {
  // Waits for the target throughout: the flush, then the coordinator's round trips.
  LoopClock::Waiting wait(loop_clock_, LoopState::kWaitingProduce);
  catch_up_.clear();  // a refusal of this one sets it again
  Status s = producer_->Flush(options_.transaction_timeout);
  if (s.ok() && !fatal_.ok()) s = fatal_;
  std::vector<kafka::TopicPartitionOffset> offsets;
  std::vector<Pipe*> written;
  for (auto& [tp, pipe] : pipes_) {
    if (!pipe->in_transaction) continue;
    written.push_back(pipe.get());
    std::optional<SourceOffset> next = pipe->AckedNext();
    if (next) offsets.push_back({pipe->state->remote_topic(), tp.partition, next->value()});
  }
  if (s.ok() && !offsets.empty()) {
    s = producer_->SendOffsetsToTransaction(offsets, *options_.group, options_.transaction_timeout);
    if (!s.ok() && RewindTransaction(written, s)) return;
  }
  if (s.ok()) s = producer_->CommitTransaction(options_.transaction_timeout);
  if (!s.ok()) {
    // Aborted (the producer is replaced): nothing of it is visible to read_committed
    // readers, and every partition resumes from what the target committed.
    log::Warn("data", "transaction not committed; every partition resumes from the target",
              {{"flow", options_.flow_name}, {"error", s.message()}});
    if (fatal_.ok()) fatal_ = s;
    return;
  }
  txn_open_ = false;
  txn_records_ = 0;
  for (Pipe* pipe : written) {
    pipe->in_transaction = false;
    pipe->state->records.fetch_add(pipe->txn_acked_records, std::memory_order_relaxed);
    pipe->state->bytes.fetch_add(pipe->txn_acked_bytes, std::memory_order_relaxed);
    pipe->txn_acked_records = pipe->txn_acked_bytes = 0;
  }
  // Stopped partitions whose last records were in it may go now (which erases them).
  for (Pipe* pipe : written) {
    if (pipe->draining) ReleaseIfDone(*pipe);
  }
}

// A rebalance changes the group's generation on every member, so the offsets of the
// transactions open at that moment are refused (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
// REBALANCE_IN_PROGRESS). librdkafka makes that an abortable error: the transaction cannot
// be retried, only aborted. Replacing the producer for it would make every partition of a
// survivor resume from the target, a pause of seconds on partitions that never moved.
// Instead, when none of the partitions it wrote is stopping, it is aborted, the producer
// kept, and each of those partitions read again from its first record in it: everything
// before that was committed by an earlier transaction, nothing of the aborted one is
// visible to read_committed readers, and this instance is the only writer of them, so
// reading from there writes each record once. Why that holds: a partition that moves away
// is stopped here first (a revoke or a loss becomes a StopPartition), and the group gives
// it to another member only after this data path released it (Flow::HandleRebalance); a
// stale generation is not renewed before that either, so a partition whose stop has not
// arrived yet fails the next commit again. A stopping partition, or an abort that fails,
// keeps the fence as before: the producer is replaced and every partition resumes from
// the target. A failed commit_transaction is not rewound: it may have reached the
// coordinator, and the target alone says what it holds.
bool DataPath::RewindTransaction(const std::vector<Pipe*>& written, const Status& why) {
  for (const Pipe* pipe : written) {
    if (pipe->draining || !pipe->inflight.empty() || pipe->first_failed) return false;
  }
  Status s = producer_->AbortTransaction(options_.transaction_timeout);
  if (!s.ok()) {
    log::Warn("data", "cannot abort the transaction",
              {{"flow", options_.flow_name}, {"error", s.message()}});
    return false;
  }
  std::vector<kafka::TopicPartitionOffset> positions;
  for (Pipe* pipe : written) {
    positions.push_back({pipe->source.topic, pipe->source.partition, pipe->txn_first.value()});
  }
  s = consumer_->Seek(positions, options_.transaction_timeout);
  if (!s.ok()) {
    // Aborted already: the producer is replaced and every partition resumes from the
    // target, which is right whatever the consumer's position.
    if (fatal_.ok()) fatal_ = s;
    return true;
  }
  for (Pipe* pipe : written) {
    if (pipe->next) catch_up_.push_back({pipe->source, *pipe->next});
    // The map learnt the aborted copies from their acknowledgements: a group offset must
    // not be translated to them, and offsets recorded next start lower again.
    pipe->state->offset_map.Truncate(pipe->txn_first);
    pipe->state->offset_map.Break();
    pipe->next = pipe->txn_first;
    pipe->in_transaction = false;
    pipe->txn_acked_records = pipe->txn_acked_bytes = 0;  // aborted: not mirrored
    pipe->Publish();
  }
  txn_open_ = false;
  txn_records_ = 0;
  rewound_transactions_.fetch_add(1, std::memory_order_relaxed);
  log::Warn("data", "transaction aborted; its partitions are read again from where it began",
            {{"flow", options_.flow_name},
             {"partitions", static_cast<int64_t>(written.size())},
             {"error", why.message()}});
  return true;
}

}  // namespace strait::replication
