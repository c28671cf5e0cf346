#include "offsets/heartbeats.h"

#include <algorithm>
#include <chrono>

#include "base/log.h"
#include "mm2/format.h"

namespace strait::offsets {

using namespace std::chrono_literals;

Heartbeats::Heartbeats(Options options, std::unique_ptr<mm2::Writer> to_target,
                       std::unique_ptr<mm2::Writer> to_source,
                       std::unique_ptr<provenance::LogSearch> target_log)
    : options_(std::move(options)),
      to_target_(std::move(to_target)),
      to_source_(std::move(to_source)),
      target_log_(std::move(target_log)) {}

void Heartbeats::RunOnce(int64_t now_ms, bool read_remote) {
  Status status = Status::Ok();
  if (to_target_ != nullptr) {
    status = Emit(to_target_.get(), options_.source_alias, options_.target_alias, now_ms);
    if (status.ok()) written_to_target_.fetch_add(1);
  }
  if (to_source_ != nullptr) {
    // Keyed as the opposite herder would key it: it is that herder's heartbeat in MM2.
    Status s = Emit(to_source_.get(), options_.target_alias, options_.source_alias, now_ms);
    if (s.ok()) written_to_source_.fetch_add(1);
    if (status.ok()) status = s.WithContext("writing heartbeats to " + options_.source_alias);
  }
  if (read_remote) {
    Status read = ReadNewest();
    if (status.ok()) status = read;
  }
  SetError(status);
}

Status Heartbeats::Emit(mm2::Writer* writer, const std::string& source, const std::string& target,
                        int64_t now_ms) {
  mm2::Heartbeat hb{source, target, now_ms};
  STRAIT_ASSIGN_OR_RETURN(std::string key, mm2::EncodeHeartbeatKey(hb));
  STRAIT_RETURN_IF_ERROR(writer->Write(std::string(mm2::kHeartbeatsTopic), key,
                                       mm2::EncodeHeartbeatValue(hb), now_ms));
  return writer->Flush(5s);
}

Status Heartbeats::ReadNewest() {
  Result<std::optional<provenance::StoredRecord>> last =
      target_log_->Last(options_.remote_topic, 0);
  if (!last.ok()) return last.status().WithContext("reading " + options_.remote_topic);
  if (!last->has_value() || !(*last)->key || !(*last)->value) return Status::Ok();
  std::optional<mm2::Heartbeat> hb = mm2::DecodeHeartbeat(*(*last)->key, *(*last)->value);
  if (!hb) return Status::Ok();  // MM2 skips records it cannot read; so do we
  int64_t seen = newest_arrived_ms_.load();
  newest_arrived_ms_.store(std::max(seen, hb->timestamp_ms));
  return Status::Ok();
}

void Heartbeats::SetError(const Status& status) {
  std::string error = status.ok() ? "" : status.message();
  std::lock_guard lock(mu_);
  if (error != error_ && !error.empty()) {
    log::Warn("offsets", "heartbeats", {{"flow", options_.flow_name}, {"error", error}});
  }
  error_ = std::move(error);
}

HeartbeatStatus Heartbeats::Snapshot() const {
  std::lock_guard lock(mu_);
  return {written_to_target_.load(), written_to_source_.load(), newest_arrived_ms_.load(), error_};
}

}  // namespace strait::offsets
