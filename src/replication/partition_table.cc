#include "replication/partition_table.h"

#include <algorithm>

namespace strait::replication {

void PartitionTable::Add(const std::string& topic, int32_t partition, const std::string& remote,
                         bool local_only) {
  std::map<int32_t, Entry>& partitions = topics_[topic];
  if (partitions.count(partition) != 0) return;
  Entry e;
  e.state = std::make_shared<PartitionState>(topic, PartitionId(partition), remote, local_only);
  partitions.emplace(partition, std::move(e));
}

std::vector<int32_t> PartitionTable::Due(const std::string& topic, Clock::time_point now) const {
  std::vector<int32_t> due;
  auto it = topics_.find(topic);
  if (it == topics_.end()) return due;
  for (const auto& [p, e] : it->second) {
    PartitionStage stage = e.state->stage();
    bool waiting = stage == PartitionStage::kResuming || stage == PartitionStage::kStopped;
    if (waiting && e.retry_at <= now) due.push_back(p);
  }
  return due;
}

void PartitionTable::Started(const std::string& topic, int32_t partition) {
  Entry* e = Find(topic, partition);
  if (e == nullptr) return;
  e->forced_offset.reset();
  e->state->SetError("");
  e->state->set_stage(PartitionStage::kRunning);
}

std::vector<int32_t> PartitionTable::Release(const std::string& topic) {
  std::vector<int32_t> live;
  auto it = topics_.find(topic);
  if (it == topics_.end()) return live;
  for (auto& [p, e] : it->second) {
    PartitionStage stage = e.state->stage();
    if (stage == PartitionStage::kRunning || stage == PartitionStage::kStopping) {
      e.state->set_stage(PartitionStage::kReleasing);
      live.push_back(p);
    }
  }
  std::erase_if(it->second, [](const auto& kv) {
    return kv.second.state->stage() != PartitionStage::kReleasing;
  });
  if (it->second.empty()) topics_.erase(it);
  return live;
}

bool PartitionTable::Release(const std::string& topic, int32_t partition) {
  Entry* e = Find(topic, partition);
  if (e == nullptr) return false;
  const PartitionStage stage = e->state->stage();
  if (stage == PartitionStage::kReleasing) return true;
  if (stage == PartitionStage::kRunning || stage == PartitionStage::kStopping) {
    e->state->set_stage(PartitionStage::kReleasing);
    return true;
  }
  Erase(topic, partition);
  return false;
}

PartitionTable::Outcome PartitionTable::Apply(const DataEvent& event, Clock::time_point now) {
  Entry* e = Find(event.source.topic, event.source.partition);
  if (e == nullptr) return Outcome::kNone;
  PartitionState& state = *e->state;
  if (event.kind == DataEvent::Kind::kStopping) {
    if (state.stage() == PartitionStage::kRunning) state.set_stage(PartitionStage::kStopping);
    state.SetError(event.error, event.reason);
    return Outcome::kNone;
  }
  // Every other event says the data path let the partition go.
  if (event.kind == DataEvent::Kind::kReleased || state.stage() == PartitionStage::kReleasing) {
    Erase(event.source.topic, event.source.partition);
    return Outcome::kForgotten;
  }
  switch (event.kind) {
    case DataEvent::Kind::kStopped:
      RetryLater(*e, event.error, event.reason, now);
      e->forced_offset = event.offset;  // nullopt: nothing acknowledged yet, the usual resume
      e->forced_from = "first record not on the target";
      return Outcome::kNone;
    case DataEvent::Kind::kNeedsResume:
      state.set_stage(PartitionStage::kResuming);
      e->retry_at = {};
      return Outcome::kNeedsResume;
    case DataEvent::Kind::kOutOfRange:
      state.set_stage(PartitionStage::kStopped);
      return Outcome::kOutOfRange;
    case DataEvent::Kind::kStopping:
    case DataEvent::Kind::kReleased:
      break;
  }
  return Outcome::kNone;
}

void PartitionTable::StartFailed(const std::string& topic, int32_t partition, const Status& error,
                                 Clock::time_point now) {
  Entry* e = Find(topic, partition);
  if (e == nullptr) return;
  RetryLater(*e, error.message(), std::string(StatusCodeName(error.code())), now);
}

void PartitionTable::RetryLater(Entry& e, const std::string& error, const std::string& reason,
                                Clock::time_point now) {
  if (e.backoff.count() == 0) e.backoff = retry_backoff_;
  e.state->set_stage(PartitionStage::kStopped);
  e.state->SetError(error, reason);
  e.retry_at = now + e.backoff;
  e.backoff = std::min(e.backoff * 2, max_backoff_);
}

void PartitionTable::RestartAt(const std::string& topic, int32_t partition,
                               std::optional<SourceOffset> offset, Clock::time_point at) {
  Entry* e = Find(topic, partition);
  if (e == nullptr) return;
  e->forced_offset = offset;
  e->forced_from = "source log bounds";
  e->retry_at = at;
}

void PartitionTable::Hold(const std::string& topic, int32_t partition, const std::string& error,
                          const std::string& reason) {
  Entry* e = Find(topic, partition);
  if (e == nullptr) return;
  e->state->set_stage(PartitionStage::kStopped);
  e->state->SetError(error, reason);
  e->forced_offset.reset();
  e->retry_at = Clock::time_point::max();
}

PartitionTable::Entry* PartitionTable::Find(const std::string& topic, int32_t partition) {
  auto t = topics_.find(topic);
  if (t == topics_.end()) return nullptr;
  auto p = t->second.find(partition);
  return p == t->second.end() ? nullptr : &p->second;
}

void PartitionTable::Erase(const std::string& topic, int32_t partition) {
  auto t = topics_.find(topic);
  if (t == topics_.end()) return;
  t->second.erase(partition);
  if (t->second.empty()) topics_.erase(t);
}

}  // namespace strait::replication
