#include "replication/tail_reader.h"

#include <fmt/format.h>

#include <map>

#include "kafka/consumer.h"
#include "replication/provenance.h"

namespace strait::replication {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Scan {
  int64_t from = 0;   // first offset of the current window (or a logical tail offset)
  int64_t until = -1; // stop once this offset is reached (-1: at the end of the log)
  int64_t first_seen = -1;
  int64_t window = 1;
  bool done = false;
};

// The last record of a prefixed remote topic is almost always ours, so one record is
// read first; the window grows by this factor while nothing of ours is found.
constexpr int64_t kGrowth = 16;

}  // namespace

Result<std::vector<PartitionTail>> TailReader::Read(const std::string& topic,
                                                    const std::vector<int32_t>& partitions,
                                                    uint64_t source_fingerprint,
                                                    std::chrono::milliseconds timeout) {
  kafka::ConsumerOptions options;
  options.client.name = name_;
  options.client.properties = {{"enable.auto.commit", "false"},
                               {"enable.partition.eof", "true"},
                               {"isolation.level", "read_uncommitted"},
                               {"auto.offset.reset", "earliest"},
                               {"fetch.wait.max.ms", "10"}};
  options.client.properties.insert(options.client.properties.end(), properties_.begin(),
                                   properties_.end());
  STRAIT_ASSIGN_OR_RETURN(std::unique_ptr<kafka::Consumer> consumer,
                          kafka::Consumer::Create(std::move(options)));
  std::map<int32_t, PartitionTail> tails;
  std::map<int32_t, Scan> scans;
  for (int32_t p : partitions) {
    tails[p].partition = p;
    scans[p].from = kafka::OffsetTail(1);
  }
  auto deadline = Clock::now() + timeout;
  while (true) {
    std::vector<kafka::TopicPartitionOffset> assign;
    for (auto& [p, scan] : scans) {
      if (!scan.done) assign.push_back({topic, p, scan.from});
    }
    if (assign.empty()) break;
    STRAIT_RETURN_IF_ERROR(consumer->Assign(assign));
    size_t open = assign.size();
    while (open > 0) {
      if (Clock::now() > deadline) {
        return Unavailable(fmt::format("reading the end of {} on the target took longer than {} ms",
                                       topic, timeout.count()));
      }
      std::vector<kafka::Message> batch;
      consumer->PollBatch(200ms, 1000, &batch);
      for (const kafka::Message& m : batch) {
        auto it = scans.find(m.partition());
        if (m.topic() != topic || it == scans.end() || it->second.done) continue;
        Scan& scan = it->second;
        PartitionTail& tail = tails[m.partition()];
        bool reached_end = m.is_partition_eof() || (scan.until >= 0 && m.offset() >= scan.until - 1);
        if (!m.is_partition_eof()) {
          if (!m.error().ok()) return m.error().WithContext("reading the target");
          tail.has_records = true;
          if (scan.first_seen < 0 || m.offset() < scan.first_seen) scan.first_seen = m.offset();
          for (const kafka::HeaderView& h : m.headers()) {
            if (h.name != kProvenanceHeader || !h.value) continue;
            std::optional<Provenance> prov = DecodeProvenance(*h.value);
            if (prov && prov->upstream_cluster() == source_fingerprint &&
                (!tail.last_upstream || prov->upstream_offset > *tail.last_upstream)) {
              tail.last_upstream = prov->upstream_offset;
            }
          }
        }
        if (reached_end) {
          scan.done = true;
          --open;
        }
      }
    }
    // Widen the window for partitions with records but none of ours, back to the log start.
    for (auto& [p, scan] : scans) {
      PartitionTail& tail = tails[p];
      if (tail.last_upstream || scan.first_seen <= 0) continue;
      Result<kafka::Watermarks> w = consumer->QueryWatermarks(topic, p, timeout);
      if (!w.ok()) return w.status();
      if (scan.first_seen <= w->low) continue;
      scan.window *= kGrowth;
      scan.until = scan.first_seen;
      scan.from = std::max(w->low, scan.first_seen - scan.window);
      scan.done = false;
    }
  }
  std::vector<PartitionTail> out;
  for (auto& [p, tail] : tails) out.push_back(tail);
  return out;
}

}  // namespace strait::replication
