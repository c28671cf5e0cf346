// The data path's per-partition bookkeeping (data_path.h), shared by its .cc files: the
// data thread alone reads and writes a Pipe.
#pragma once

#include <deque>
#include <memory>
#include <optional>

#include "replication/data_path.h"

namespace strait::replication {

struct DataPath::Pipe {
  std::shared_ptr<PartitionState> state;
  kafka::TopicPartition source;
  kafka::ProducerTopic* target = nullptr;
  // The next source offset expected; unknown until the first record after a start at an
  // end of the log.
  std::optional<SourceOffset> next;
  int64_t max_message_bytes = 0;
  bool keys_required = false;
  uint64_t source_topic = 0;  // StartPartition::source_topic
  std::deque<InFlight> inflight;
  int64_t inflight_bytes = 0;
  // Paused at the source because its in-flight budget is full.
  bool throttled = false;
  // Stopped: no record is taken any more; it is released (unassigned, `release_event`
  // sent) once nothing is in flight.
  bool draining = false;
  DataEvent release_event;
  // The first record whose delivery failed: where the partition must start again (a
  // later record may fail before it: librdkafka fails queued records ahead of those in
  // flight).
  std::optional<SourceOffset> first_failed;
  // Group mode: it has records in the open transaction; it is released only once they
  // are committed.
  bool in_transaction = false;
  // The source offset of its first record in the open transaction: where it is read again
  // from when that transaction is aborted and the partition stays here (RewindTransaction).
  SourceOffset txn_first;
  // Group mode: records (and their bytes) of the open transaction the target acknowledged;
  // they count as mirrored once it commits, and not at all if it is aborted.
  int64_t txn_acked_records = 0;
  int64_t txn_acked_bytes = 0;

  bool paused() const { return throttled || draining; }
  // The first source offset not on the target.
  std::optional<SourceOffset> AckedNext() const {
    std::optional<SourceOffset> unsettled = inflight.empty() ? next : inflight.front().offset;
    return first_failed && (!unsettled || *first_failed < *unsettled) ? first_failed : unsettled;
  }
  void Publish() {
    state->acked_next.store(AckedNext().value_or(SourceOffset(-1)), std::memory_order_relaxed);
    state->inflight_records.store(static_cast<int64_t>(inflight.size()), std::memory_order_relaxed);
    state->inflight_bytes.store(inflight_bytes, std::memory_order_relaxed);
    state->oldest_inflight_timestamp.store(inflight.empty() ? 0 : inflight.front().timestamp,
                                           std::memory_order_relaxed);
  }
};

}  // namespace strait::replication
