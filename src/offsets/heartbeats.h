// Heartbeats of one flow source -> target, wired the way MirrorMaker 2 wires them, and the
// end-to-end lag they measure.
//
// Every interval the flow writes two heartbeat records (mm2_format.h):
//  - to "heartbeats" on the target, key (source, target): MM2's heartbeat connector of the
//    herder source->target, which is how tools see that the flow exists;
//  - to "heartbeats" on the source, key (target, source): what MM2's herder target->source
//    writes even when that direction is not mirrored. The flow then mirrors that topic like
//    any other, to "<source>.heartbeats" on the target, so the newest record there says how
//    long a record takes from the source to the target through the real data path, and the
//    names of "*.heartbeats" topics reveal the topology (RemoteClusterUtils.upstreamClusters).
// The age of the newest heartbeat that arrived is the flow's lag in seconds, end to end.
//
// Not thread-safe except Snapshot(), which any thread may call.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "mm2/writer.h"
#include "provenance/log_search.h"

namespace strait::offsets {

struct HeartbeatStatus {
  int64_t written_to_target = 0;
  int64_t written_to_source = 0;
  // The timestamp of the newest heartbeat that reached the target from the source, or 0.
  int64_t newest_arrived_ms = 0;
  std::string error;  // the last failure to write or read, for /status
};

class Heartbeats {
 public:
  struct Options {
    std::string flow_name;
    std::string source_alias;
    std::string target_alias;
    std::string remote_topic;  // "<source>.heartbeats" on the target
  };
  // Either writer may be null (emit.heartbeats: false); the remote topic is read anyway,
  // since another replicator may be emitting into the source.
  Heartbeats(Options options, std::unique_ptr<mm2::Writer> to_target,
             std::unique_ptr<mm2::Writer> to_source,
             std::unique_ptr<provenance::LogSearch> target_log);

  // Writes this round's heartbeats and, when the remote topic exists (`read_remote`), reads
  // the newest one that arrived.
  void RunOnce(int64_t now_ms, bool read_remote);
  HeartbeatStatus Snapshot() const;

 private:
  Status Emit(mm2::Writer* writer, const std::string& source, const std::string& target,
              int64_t now_ms);
  Status ReadNewest();
  void SetError(const Status& status);

  Options options_;
  std::unique_ptr<mm2::Writer> to_target_, to_source_;
  std::unique_ptr<provenance::LogSearch> target_log_;
  std::atomic<int64_t> written_to_target_{0}, written_to_source_{0}, newest_arrived_ms_{0};
  mutable std::mutex mu_;
  std::string error_;  // guarded by mu_
};

}  // namespace strait::offsets
