// The data path when something fails (data_path.h): a partition that must stop, a source
// consumer error, and the producer replaced after a fatal error.
#include <fmt/format.h>

#include "base/log.h"
#include "replication/data_path.h"
#include "replication/data_path_pipe.h"

namespace strait::replication {

using namespace std::chrono_literals;

void DataPath::StopPipe(Pipe& pipe, const Status& error, DataEvent::Kind kind,
                        std::optional<SourceOffset> offset,
                        std::optional<kafka::LogTruncation> truncation) {
  if (pipe.draining) return;
  if (!pipe.paused()) to_pause_.push_back(pipe.source);
  pipe.draining = true;
  // Without an offset of its own the event says where acknowledgement stands at release.
  const std::string reason(StatusCodeName(error.code()));
  pipe.release_event = {kind, pipe.source, offset, error.message(), reason, truncation};
  if (kind != DataEvent::Kind::kReleased) {
    log::Error("data", "partition stopped",
               {{"flow", options_.flow_name},
                {"topic", pipe.source.topic},
                {"partition", pipe.source.partition},
                {"error", error.message()}});
    // At once, so that /status says why before what is in flight is acknowledged.
    Emit({DataEvent::Kind::kStopping, pipe.source, offset ? offset : pipe.AckedNext(),
          error.message(), reason});
  }
  ReleaseIfDone(pipe);
}

void DataPath::HandleConsumerError(const kafka::Message& message) {
  Status error = message.error();
  if (message.topic().empty()) {
    log::Debug("data", "source consumer error",
               {{"flow", options_.flow_name}, {"error", error.message()}});
    return;
  }
  Pipe* pipe = Route(message);
  if (pipe == nullptr || pipe->draining) return;
  if (message.is_offset_out_of_range()) {
    // A truncation's event carries no offset (-1001): where the pipe was is what was read.
    StopPipe(*pipe, error, DataEvent::Kind::kOutOfRange,
             pipe->next.value_or(SourceOffset(message.offset())), message.log_truncation());
    return;
  }
  // Not found included: a source topic deleted, and maybe created again under its name,
  // which librdkafka would go on reading at the old positions. Nothing more is taken until
  // the control loop knows which topic that is (TopicSync::Recheck).
  StopPipe(*pipe, error, DataEvent::Kind::kStopped);
}

void DataPath::ResetProducer(const Status& why) {
  producer_resets_.fetch_add(1, std::memory_order_relaxed);
  log::Error("data", "replacing the target producer; every partition resumes from the target",
             {{"flow", options_.flow_name}, {"error", why.message()}});
  for (auto& [tp, pipe] : pipes_) {
    pipe->draining = true;
    pipe->release_event = {DataEvent::Kind::kNeedsResume, tp, std::nullopt, why.message()};
  }
  producer_->PurgeQueued();
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (producer_->OutQueueLength() > 0 && std::chrono::steady_clock::now() < deadline) {
    producer_->Poll(100ms);
  }
  // Anything still in flight is abandoned with the producer; the resume that follows reads
  // what actually reached the target.
  std::vector<kafka::TopicPartition> all;
  for (auto& [tp, pipe] : pipes_) {
    all.push_back(tp);
    inflight_bytes_total_.fetch_sub(pipe->inflight_bytes, std::memory_order_relaxed);
  }
  if (!all.empty()) {
    consumer_->Resume(all).IgnoreError();  // see ReleaseIfDone: pause flags outlive assignments
    consumer_->IncrementalUnassign(all).IgnoreError();
  }
  producer_.reset();  // before the pipes: no delivery report may reach a freed entry
  routes_.clear();
  pipes_.clear();
  busy_pipes_ = 0;
  to_pause_.clear();
  to_resume_.clear();
  fatal_ = Status::Ok();
  for (const kafka::TopicPartition& tp : all) {
    awaiting_producer_.push_back({DataEvent::Kind::kNeedsResume, tp, std::nullopt, why.message()});
  }
  RemakeProducer();  // or the loop tries again, and does nothing else until it succeeds
}

bool DataPath::RemakeProducer() {
  Status s = CreateProducer();
  if (!s.ok()) {
    log::Error("data", "cannot create a new producer; retrying",
               {{"flow", options_.flow_name}, {"error", s.message()}});
    return false;
  }
  // Only now that the new producer is there: whoever acts on these events finds the data
  // path ready to take the partitions back.
  for (DataEvent& e : awaiting_producer_) Emit(std::move(e));
  awaiting_producer_.clear();
  return true;
}

}  // namespace strait::replication
