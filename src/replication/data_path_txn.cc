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
  return txn_records_ > 0 && NowMs() - txn_began_ms_ >= options_.commit_interval.count();
}

void DataPath::CommitTransaction() {
  // Waits for the target throughout: the flush, then the coordinator's round trips.
  LoopClock::Waiting wait(loop_clock_, LoopState::kWaitingProduce);
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
  for (Pipe* pipe : written) pipe->in_transaction = false;
  // Stopped partitions whose last records were in it may go now (which erases them).
  for (Pipe* pipe : written) {
    if (pipe->draining) ReleaseIfDone(*pipe);
  }
}

}  // namespace strait::replication
