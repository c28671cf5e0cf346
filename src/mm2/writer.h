// Writes MirrorMaker 2's internal records (checkpoints, heartbeats) to a cluster: creates
// the compacted single-partition topics they live in and produces to partition 0.
// Not thread-safe: one owner thread.
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "base/status.h"
#include "kafka/admin.h"
#include "kafka/producer.h"

namespace strait::mm2 {

class Writer {
 public:
  static Result<std::unique_ptr<Writer>> Create(const std::string& name,
                                                const kafka::Properties& producer_properties,
                                                kafka::Admin* admin, int32_t replication_factor);

  // Queues one record for partition 0 of `topic`, creating the topic first if needed.
  Status Write(const std::string& topic, const std::string& key, const std::string& value,
               int64_t timestamp_ms = 0);
  // Waits for every queued record; the first delivery error, if any.
  Status Flush(std::chrono::milliseconds timeout);

 private:
  Writer(kafka::Admin* admin, int32_t replication_factor)
      : admin_(admin), replication_factor_(replication_factor) {}
  Status EnsureTopic(const std::string& topic);

  kafka::Admin* admin_;
  int32_t replication_factor_;
  std::unique_ptr<kafka::Producer> producer_;
  std::set<std::string> ready_topics_;
  std::mutex mu_;
  Status delivery_error_;  // guarded by mu_ (set by delivery reports during Flush)
};

}  // namespace strait::mm2
