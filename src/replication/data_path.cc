#include "replication/data_path.h"

#include <fmt/format.h>
#include <pthread.h>

#include <algorithm>

#include "base/clock.h"
#include "base/log.h"
#include "replication/data_path_pipe.h"
#include "replication/flow_control.h"
#include "replication/hop.h"

namespace strait::replication {
namespace {

using namespace std::chrono_literals;

constexpr size_t kPollBatch = 4096;
// What a record costs in a batch of one beyond its key, value and header names and values,
// so that a record that fits the estimate fits the broker's max.message.bytes check: the
// record batch header, the record's framing with its varints at their widest, each header's
// two length varints, and the provenance header this hop adds (name, a version-2 value of
// one hop, and 8 bytes for the hop it adds to one the record carries, which size_bytes()
// counts already).
constexpr int64_t kBatchHeader = 61;
constexpr int64_t kRecordFraming = 5 + 1 + 10 + 5 + 5 + 5 + 5;
constexpr int64_t kHeaderFraming = 5 + 5;
constexpr int64_t kProvenanceBytes = 17 + 26 + 8;

int64_t BatchOfOneBytes(const kafka::Message& m, const std::vector<kafka::HeaderView>& in) {
  const auto headers = static_cast<int64_t>(in.size()) + 1;  // + provenance
  return static_cast<int64_t>(m.size_bytes(in)) + kBatchHeader + kRecordFraming +
         kHeaderFraming * headers + kProvenanceBytes;
}
// What librdkafka holds per queued record besides its bytes; counted against the in-flight
// budget so that a backlog of tiny records stays as bounded as one of large records.
constexpr int64_t kRecordOverhead = 256;
// How long the data path waits before trying again to make a producer that failed to be made.
constexpr std::chrono::milliseconds kRemakeBackoff = 1s;

}  // namespace

DataPath::DataPath(DataPathOptions options)
    : options_(std::move(options)),
      batch_bytes_(ProducerBatchBytes(
          TargetProducerOptions(options_.flow_name, options_.producer_properties).properties)) {}

DataPath::~DataPath() { Stop(0ms); }

Status DataPath::Start() {
  STRAIT_ASSIGN_OR_RETURN(consumer_, options_.clients.consumer(SourceConsumerOptions(
                                         options_.flow_name, options_.consumer_properties)));
  STRAIT_RETURN_IF_ERROR(CreateProducer());
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "data");
    Run();
  });
  return Status::Ok();
}

Status DataPath::CreateProducer() {
  kafka::ClientOptions client =
      TargetProducerOptions(options_.flow_name, options_.producer_properties);
  if (transactional()) {
    const std::string timeout = std::to_string(options_.transaction_timeout.count());
    // librdkafka wants a record's timeout within the transaction's: a record not delivered
    // by then fails, the transaction aborts, and its partitions resume from the target.
    client.properties.insert(client.properties.end(),
                             {{"transactional.id", options_.transactional_id},
                              {"transaction.timeout.ms", timeout},
                              {"message.timeout.ms", timeout}});
  }
  STRAIT_ASSIGN_OR_RETURN(
      producer_,
      options_.clients.producer(client, [this](const kafka::DeliveryReport& r) { OnDelivery(r); }));
  if (transactional()) {
    // Fences this transactional id's earlier producer (a restart of this instance) and
    // aborts what it left open.
    Status s = producer_->InitTransactions(options_.transaction_timeout * 3);
    if (!s.ok()) {
      producer_.reset();
      return s;
    }
    txn_open_ = false;
    txn_records_ = 0;
  }
  return Status::Ok();
}

void DataPath::Post(Command command) {
  std::lock_guard lock(mu_);
  commands_.push_back(std::move(command));
}

std::vector<DataEvent> DataPath::TakeEvents() {
  std::lock_guard lock(mu_);
  std::vector<DataEvent> out;
  out.swap(events_);
  return out;
}

void DataPath::Emit(DataEvent event) {
  std::lock_guard lock(mu_);
  events_.push_back(std::move(event));
}

void DataPath::Stop(std::chrono::milliseconds drain) {
  drain_timeout_ = drain;
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void DataPath::Run() {
  std::vector<kafka::Message> batch;
  batch.reserve(kPollBatch);
  int64_t next_watermarks = 0;
  loop_clock_.Switch(LoopState::kWorking);
  // Acquire: Stop() writes drain_timeout_ before it sets stop_, and Drain reads it below.
  while (!stop_.load(std::memory_order_acquire)) {
    last_loop_ms_.store(NowMs(), std::memory_order_relaxed);
    // Counts the turn's work so far even when the thread never waits (a backlog), so that
    // /metrics moves while it copies.
    loop_clock_.Switch(LoopState::kWorking);
    if (producer_ == nullptr && !RemakeProducer()) {
      // Commands wait: a partition cannot start without a producer.
      LoopClock::Waiting wait(loop_clock_, LoopState::kWaitingProduce);
      std::this_thread::sleep_for(kRemakeBackoff);
      continue;
    }
    ApplyCommands();
    if (transactional() && !txn_open_) BeginTransaction();
    if (inflight_bytes_total_.load(std::memory_order_relaxed) > options_.max_inflight_bytes) {
      // The target as a whole is slower than the source: stop taking records, and the
      // consumer's bounded prefetch makes librdkafka stop fetching. Nothing is dropped.
      LoopClock::Waiting wait(loop_clock_, LoopState::kWaitingProduce);
      producer_->Poll(10ms);
    } else {
      Consume(&batch);
    }
    for (kafka::Message& m : batch) Handle(m);
    batch.clear();  // frees librdkafka's buffers now: records were copied when produced
    producer_->Poll(0ms);
    if (transactional() && fatal_.ok() && TransactionDue()) CommitTransaction();
    if (!fatal_.ok()) ResetProducer(fatal_);
    UpdateFlowControl();
    if (NowMs() >= next_watermarks) {
      UpdateWatermarks();
      next_watermarks = NowMs() + 1000;
    }
  }
  Drain(drain_timeout_);
}

// librdkafka's batch consume returns only when the batch is full or the timeout has
// passed, so one call with a timeout would hold every record back by up to that timeout
// whenever fewer than a batch are waiting (any steady load). So: take what is queued
// without waiting, and wait only when nothing is, for the first record and then the rest.
void DataPath::Consume(std::vector<kafka::Message>* batch) {
  if (consumer_->PollBatch(0ms, kPollBatch, batch) > 0) return;
  {
    LoopClock::Waiting wait(loop_clock_, LoopState::kWaitingFetch);
    if (consumer_->PollBatch(pipes_.empty() ? 100ms : 20ms, 1, batch) == 0) return;
  }
  consumer_->PollBatch(0ms, kPollBatch - 1, batch);
}

void DataPath::ApplyCommands() {
  std::vector<Command> commands;
  {
    std::lock_guard lock(mu_);
    commands.swap(commands_);
  }
  std::vector<kafka::TopicPartitionOffset> assign;
  for (Command& c : commands) {
    if (auto* start = std::get_if<StartPartition>(&c)) {
      kafka::TopicPartition tp{start->state->source_topic(), start->state->partition().value()};
      if (pipes_.count(tp) != 0) continue;  // already running; the control loop raced a stop
      auto pipe = std::make_unique<Pipe>();
      pipe->state = start->state;
      pipe->source = tp;
      pipe->target = producer_->Topic(start->state->remote_topic());
      pipe->max_message_bytes = start->max_message_bytes;
      pipe->keys_required = start->keys_required;
      pipe->source_topic = start->source_topic;
      // Records of an earlier start may have landed unacknowledged (a producer reset).
      pipe->state->offset_map.Break();
      pipe->next = start->from.offset();
      pipe->state->acked_next.store(pipe->next.value_or(SourceOffset(-1)),
                                    std::memory_order_relaxed);
      pipe->state->set_throttled(false);
      assign.push_back({tp.topic, tp.partition, start->from.kafka_offset()});
      pipes_.emplace(tp, std::move(pipe));
    } else if (auto* stop = std::get_if<StopPartition>(&c)) {
      auto it = pipes_.find(stop->source);
      if (it == pipes_.end()) continue;
      // Started in this same turn: assign first, or the stop's unassign would come before
      // the assignment and leave the partition assigned without a pipe.
      if (!assign.empty()) AssignNow(&assign);
      StopPipe(*it->second, Cancelled(stop->reason), DataEvent::Kind::kReleased);
    } else if (auto* limit = std::get_if<SetMessageLimit>(&c)) {
      for (auto& [tp, pipe] : pipes_) {
        if (tp.topic != limit->source_topic) continue;
        pipe->max_message_bytes = limit->max_message_bytes;
        pipe->keys_required = limit->keys_required;
      }
    }
  }
  if (!assign.empty()) AssignNow(&assign);
}

void DataPath::AssignNow(std::vector<kafka::TopicPartitionOffset>* assign) {
  Status s = consumer_->IncrementalAssign(*assign);
  if (!s.ok()) {
    log::Error("data", "assigning partitions failed",
               {{"flow", options_.flow_name}, {"error", s.message()}});
  }
  assign->clear();
}

DataPath::Pipe* DataPath::Route(const kafka::Message& message) {
  auto& by_partition = routes_[message.topic_handle()];
  size_t p = static_cast<size_t>(message.partition());
  if (p < by_partition.size() && by_partition[p] != nullptr) return by_partition[p];
  auto it = pipes_.find({std::string(message.topic()), message.partition()});
  if (it == pipes_.end()) return nullptr;
  if (by_partition.size() <= p) by_partition.resize(p + 1, nullptr);
  by_partition[p] = it->second.get();
  return it->second.get();
}

void DataPath::Handle(kafka::Message& message) {
  if (message.is_partition_eof()) {
    // The fetch position has reached the end of the partition. It can be past the last
    // record delivered: control records and aborted transactions are skipped without a
    // message, so this is the only way to learn that nothing is left before the end.
    Pipe* pipe = Route(message);
    const SourceOffset end(message.offset());
    if (pipe != nullptr && !pipe->draining && (!pipe->next || end > *pipe->next)) {
      pipe->next = end;
      pipe->Publish();
    }
    return;
  }
  if (!message.error().ok()) {
    HandleConsumerError(message);
    return;
  }
  Pipe* pipe = Route(message);
  if (pipe == nullptr || pipe->draining) return;  // released, or stopped: refetched on restart
  const SourceOffset offset(message.offset());
  if (pipe->next && offset < *pipe->next) {
    // librdkafka can restart a fetch from an older position after a pause (fixed upstream
    // in 2.4.0, #4636); the record is already on its way.
    dropped_duplicates_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (Produce(*pipe, message)) {
    // After `next` moves: a record skipped with nothing in flight is already behind us.
    pipe->next = offset + 1;
    pipe->Publish();
  }
}

// Why the remote topic would refuse the record, or the batch it would travel in. Refused
// before it is sent: librdkafka's idempotent producer would go on to write the records after
// a refused batch, leaving a gap on the target.
Status DataPath::Unfit(const Pipe& pipe, const kafka::Message& message,
                       const std::vector<kafka::HeaderView>& headers) const {
  if (BatchOfOneBytes(message, headers) > pipe.max_message_bytes) {
    return Status(
        StatusCode::kResourceExhausted,
        fmt::format("record at offset {} of {}[{}] is {} bytes; the target topic {} accepts "
                    "at most {} (max.message.bytes): raise max.message.bytes on the target "
                    "topic (and remove it from config.properties.exclude if listed there); "
                    "the partition stays stopped and is retried until then",
                    message.offset(), pipe.source.topic, pipe.source.partition,
                    message.size_bytes(headers), pipe.state->remote_topic(),
                    pipe.max_message_bytes));
  }
  if (batch_bytes_ > pipe.max_message_bytes) {
    // Batches are compressed after they are sized, but how much is up to the data: a full
    // batch may not shrink enough, and the broker checks the compressed batch.
    return Status(
        StatusCode::kResourceExhausted,
        fmt::format("the target producer's batch.size is {} bytes; the target topic {} accepts "
                    "batches of at most {} (max.message.bytes), so a full batch of {}[{}] would "
                    "be refused: set batch.size to at most {} in the target cluster's producer "
                    "properties, or raise max.message.bytes on the target topic; the partition "
                    "stays stopped at offset {} and is retried until then",
                    batch_bytes_, pipe.state->remote_topic(), pipe.max_message_bytes,
                    pipe.source.topic, pipe.source.partition, pipe.max_message_bytes,
                    message.offset()));
  }
  return Status::Ok();
}

// True when the record was sent or deliberately skipped (a loop, or not local); false
// when the partition stopped or the record must be read again.
bool DataPath::Produce(Pipe& pipe, const kafka::Message& message) {
  const SourceOffset offset(message.offset());
  // Parsed once: librdkafka parses a record's headers on every call.
  const std::vector<kafka::HeaderView> in = message.headers();
  int64_t size = static_cast<int64_t>(message.size_bytes(in));
  int64_t cost = size + kRecordOverhead;
  if (Status unfit = Unfit(pipe, message, in); !unfit.ok()) {
    StopPipe(pipe, unfit, DataEvent::Kind::kStopped);
    return false;
  }
  if (pipe.keys_required && !message.key()) {
    StopPipe(pipe,
             InvalidArgument(fmt::format(
                 "record at offset {} of {}[{}] has no key; the target topic {} is compacted "
                 "(cleanup.policy) and refuses records without a key: change its cleanup.policy "
                 "(and exclude it from config sync if the source differs); the partition stays "
                 "stopped at this record and is retried until then",
                 offset, pipe.source.topic, pipe.source.partition, pipe.state->remote_topic())),
             DataEvent::Kind::kStopped);
    return false;
  }
  kafka::Headers headers;
  const Hop hop{options_.provenance_headers, options_.source_fingerprint,
                options_.target_fingerprint, pipe.state->local_only(), pipe.source_topic};
  switch (PassOn(hop, offset, in, &headers, &hop_scratch_)) {
    case HopVerdict::kWrite:
      break;
    case HopVerdict::kLoop:
      pipe.state->filtered.fetch_add(1, std::memory_order_relaxed);
      return true;
    case HopVerdict::kNotLocal:
      pipe.state->not_local.fetch_add(1, std::memory_order_relaxed);
      return true;
  }
  pipe.inflight.push_back({&pipe, offset, cost, message.timestamp_ms()});
  kafka::ProduceRecord record{pipe.target,           pipe.source.partition,  message.key(),
                              message.value(),       message.timestamp_ms(), &headers,
                              &pipe.inflight.back(), /*copy=*/true};
  Status s = producer_->Produce(record);
  if (!s.ok() && s.code() == StatusCode::kNotFound) {
    // A partition added since the producer last read metadata (it refreshes only every few
    // minutes on its own): read it now, once.
    producer_->Metadata(5s, pipe.state->remote_topic()).status().IgnoreError();
    s = producer_->Produce(record);
  }
  // The local queue is full: let deliveries drain it. A delivery report served meanwhile
  // may stop this partition; the record is then not handed over at all, since nothing
  // after a failed record may be written (and once handed over, it is librdkafka's).
  while (!s.ok() && s.code() == StatusCode::kResourceExhausted && s.retriable() &&
         !stop_.load(std::memory_order_relaxed) && !pipe.draining) {
    LoopClock::Waiting wait(loop_clock_, LoopState::kWaitingProduce);
    producer_->Poll(10ms);
    if (!pipe.draining) s = producer_->Produce(record);
  }
  if (!s.ok()) {
    pipe.inflight.pop_back();  // never handed over
    if (!producer_->FatalError().ok() || transactional()) {
      // In a transaction a refusal (an abortable error, no transaction open) is the
      // transaction's, not this partition's: it aborts, and every partition resumes.
      // Refused because the producer failed fatally (its delivery report may not have been
      // served yet): not this partition's fault. The loop replaces the producer and every
      // partition resumes from the target; stopping this one would keep it stopped.
      if (fatal_.ok()) fatal_ = s;
      return false;
    }
    if (!pipe.draining) StopPipe(pipe, s, DataEvent::Kind::kStopped);
    return false;
  }
  if (transactional()) {
    if (!pipe.in_transaction) pipe.txn_first = offset;
    pipe.in_transaction = true;
    ++txn_records_;
  }
  if (pipe.inflight_bytes == 0) ++busy_pipes_;
  pipe.inflight_bytes += cost;
  inflight_bytes_total_.fetch_add(cost, std::memory_order_relaxed);
  if (!pipe.paused() && pipe.inflight_bytes > PartitionBudget()) {
    pipe.throttled = true;
    pipe.state->set_throttled(true);
    to_pause_.push_back(pipe.source);
  }
  return true;
}

void DataPath::OnDelivery(const kafka::DeliveryReport& report) {
  auto* entry = static_cast<InFlight*>(report.opaque);
  Pipe& pipe = *entry->pipe;
  const bool in_order = !pipe.inflight.empty() && &pipe.inflight.front() == entry;
  if (!in_order && report.error.ok()) {
    // The idempotent producer acknowledges each partition's records in order (it fails
    // records still queued at once when a topic-wide error arrives, ahead of those in
    // flight: those are settled where they are, below); an acknowledgement out of order
    // means the bookkeeping can no longer be trusted, so start the partition over.
    log::Error("data", "delivery report out of order",
               {{"flow", options_.flow_name},
                {"topic", pipe.source.topic},
                {"partition", pipe.source.partition},
                {"offset", entry->offset.value()},
                {"error", report.error.message()}});
    fatal_ = Internal("delivery reports arrived out of order");
    return;
  }
  if (report.error.ok()) {
    if (pipe.first_failed) {
      log::Error("data", "a record after a failed one reached the target: the target has a gap",
                 {{"flow", options_.flow_name},
                  {"topic", pipe.source.topic},
                  {"partition", pipe.source.partition},
                  {"offset", entry->offset.value()}});
    }
    if (transactional()) {
      ++pipe.txn_acked_records;
      pipe.txn_acked_bytes += entry->bytes - kRecordOverhead;
    } else {
      pipe.state->records.fetch_add(1, std::memory_order_relaxed);
      pipe.state->bytes.fetch_add(entry->bytes - kRecordOverhead, std::memory_order_relaxed);
    }
    pipe.state->last_acked_timestamp.store(entry->timestamp, std::memory_order_relaxed);
    pipe.state->target_last_offset.store(TargetOffset(report.offset), std::memory_order_relaxed);
    pipe.state->offset_map.Record(entry->offset, TargetOffset(report.offset));
  } else {
    if (!pipe.first_failed || entry->offset < *pipe.first_failed) pipe.first_failed = entry->offset;
    pipe.state->errors.fetch_add(1, std::memory_order_relaxed);
    if (report.error.code() == StatusCode::kFailedPrecondition || !producer_->FatalError().ok()) {
      fatal_ = report.error;  // the idempotent producer cannot go on: replace it
    } else if (!pipe.draining) {
      StopPipe(pipe, report.error, DataEvent::Kind::kStopped, entry->offset);
    }
  }
  pipe.inflight_bytes -= entry->bytes;
  if (pipe.inflight_bytes == 0) --busy_pipes_;
  inflight_bytes_total_.fetch_sub(entry->bytes, std::memory_order_relaxed);
  entry->settled = true;
  while (!pipe.inflight.empty() && pipe.inflight.front().settled) pipe.inflight.pop_front();
  pipe.Publish();
  if (pipe.throttled && !pipe.draining && pipe.inflight_bytes <= PartitionBudget() / 2) {
    pipe.throttled = false;
    pipe.state->set_throttled(false);
    to_resume_.push_back(pipe.source);
  }
  ReleaseIfDone(pipe);
}

void DataPath::ReleaseIfDone(Pipe& pipe) {
  if (!pipe.draining || !pipe.inflight.empty() || pipe.in_transaction) return;
  // Pauses queued for this partition must not reach librdkafka after it is unassigned.
  auto drop = [&](std::vector<kafka::TopicPartition>& v) {
    v.erase(std::remove(v.begin(), v.end(), pipe.source), v.end());
  };
  drop(to_pause_);
  drop(to_resume_);
  // librdkafka keeps a partition's pause flag across unassign and assign: clear it now, or
  // the partition would never fetch again once restarted.
  if (pipe.paused()) consumer_->Resume({pipe.source}).IgnoreError();
  Status s = consumer_->IncrementalUnassign({pipe.source});
  if (!s.ok()) {
    log::Warn("data", "unassign failed", {{"flow", options_.flow_name}, {"error", s.message()}});
  }
  DataEvent event = pipe.release_event;
  if (pipe.first_failed && (!event.offset || *pipe.first_failed < *event.offset)) {
    event.offset = pipe.first_failed;  // one failed before the one that stopped it
  }
  if (!event.offset) event.offset = pipe.AckedNext();
  routes_.clear();
  pipes_.erase(pipe.source);  // `pipe` is gone after this line
  Emit(std::move(event));
}

int64_t DataPath::PartitionBudget() const {
  return replication::PartitionBudget(options_.max_inflight_bytes,
                                      options_.max_inflight_bytes_per_partition, busy_pipes_);
}

void DataPath::UpdateFlowControl() {
  if (!to_pause_.empty()) {
    Status s = consumer_->Pause(to_pause_);
    if (!s.ok()) {
      log::Warn("data", "pause failed", {{"flow", options_.flow_name}, {"error", s.message()}});
    }
    to_pause_.clear();
  }
  if (!to_resume_.empty()) {
    Status s = consumer_->Resume(to_resume_);
    if (!s.ok()) {
      log::Warn("data", "resume failed", {{"flow", options_.flow_name}, {"error", s.message()}});
    }
    to_resume_.clear();
  }
}

void DataPath::UpdateWatermarks() {
  for (auto& [tp, pipe] : pipes_) {
    Result<kafka::Watermarks> w = consumer_->CachedWatermarks(tp.topic, tp.partition);
    if (!w.ok()) continue;
    if (w->high >= 0) pipe->state->ObserveCachedHigh(SourceOffset(w->high));
    if (w->low >= 0) pipe->state->source_low.store(SourceOffset(w->low), std::memory_order_relaxed);
  }
}

void DataPath::Drain(std::chrono::milliseconds timeout) {
  if (consumer_ == nullptr) return;
  std::vector<kafka::TopicPartition> all;
  for (auto& [tp, pipe] : pipes_) all.push_back(tp);
  if (!all.empty()) consumer_->Pause(all).IgnoreError();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (producer_ && producer_->OutQueueLength() > 0 &&
         std::chrono::steady_clock::now() < deadline) {
    producer_->Poll(50ms);
  }
  if (producer_ && transactional() && txn_records_ > 0) CommitTransaction();
  int64_t left = producer_ ? producer_->OutQueueLength() : 0;
  if (left > 0) {
    log::Warn("data", "records still unacknowledged at shutdown; they are mirrored after restart",
              {{"flow", options_.flow_name}, {"records", left}});
  }
  consumer_->Close().IgnoreError();
  producer_.reset();
  pipes_.clear();
  routes_.clear();
  consumer_.reset();
}

}  // namespace strait::replication
