#include "provenance/log_search.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "provenance/provenance.h"

namespace strait::provenance {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The last record of a prefixed remote topic is almost always strait's own, so one record
// is read first; the window grows by this factor while nothing from the source is found.
constexpr int64_t kGrowth = 16;
// How often a search starts again because the log grew under it.
constexpr int kSearchAttempts = 5;
// Between look-ups of log bounds that some partitions did not answer.
constexpr std::chrono::milliseconds kBoundsRetry{300};
// How long Tails(..., Unanswered::kLeave) asks again before it leaves a partition unanswered.
constexpr std::chrono::milliseconds kLeaveAfter{2000};

// The provenance of `m` if it was copied from the cluster with this fingerprint.
std::optional<Provenance> CopiedFrom(const kafka::Message& m, uint64_t fingerprint) {
  for (const kafka::HeaderView& h : m.headers()) {
    if (h.name != kProvenanceHeader || !h.value) continue;
    std::optional<Provenance> p = DecodeProvenance(*h.value);
    if (p && p->upstream_cluster() == fingerprint) return p;
  }
  return std::nullopt;
}

struct Scan {
  int64_t from = 0;    // first offset of the window, or a logical tail offset
  int64_t until = -1;  // stop once this offset is reached (-1: at the end of the log)
  int64_t first_seen = -1;
  int64_t window = 1;
  bool done = false;
};

// Log start and end of each of `partitions`, in two lookups for all of them; partitions
// the lookups could not answer for are left out (the caller asks for each alone).
std::map<kafka::TopicPartition, kafka::Watermarks> Bounds(
    kafka::Consumer& consumer, const std::vector<kafka::TopicPartition>& partitions,
    std::chrono::milliseconds timeout) {
  std::map<kafka::TopicPartition, kafka::Watermarks> out;
  if (partitions.empty()) return out;
  std::vector<kafka::TopicPartitionOffset> starts, ends;
  for (const kafka::TopicPartition& tp : partitions) {
    starts.push_back({tp.topic, tp.partition, kafka::kOffsetBeginning});
    ends.push_back({tp.topic, tp.partition, kafka::kOffsetEnd});
  }
  Result<std::vector<kafka::TopicPartitionOffset>> low = consumer.OffsetsForTimes(starts, timeout);
  Result<std::vector<kafka::TopicPartitionOffset>> high = consumer.OffsetsForTimes(ends, timeout);
  if (!low.ok() || !high.ok()) return out;
  std::map<kafka::TopicPartition, int64_t> lows;
  for (const kafka::TopicPartitionOffset& o : *low) {
    if (o.error.ok() && o.offset >= 0) lows[{o.topic, o.partition}] = o.offset;
  }
  for (const kafka::TopicPartitionOffset& o : *high) {
    auto l = lows.find({o.topic, o.partition});
    if (o.error.ok() && o.offset >= 0 && l != lows.end()) out[l->first] = {l->second, o.offset};
  }
  return out;
}

// Bounds, asked again for the partitions without an answer (a remote topic just created
// has no leader for a moment; the broker is busy creating thousands of partitions) until
// all have one or `wait` has passed. Reading those partitions instead costs a look-up and a
// fetch each, minutes for thousands of partitions.
std::map<kafka::TopicPartition, kafka::Watermarks> SettledBounds(
    kafka::Consumer& consumer, const std::vector<kafka::TopicPartition>& partitions,
    std::chrono::milliseconds wait) {
  const std::chrono::milliseconds timeout = std::max(wait, std::chrono::milliseconds(5000));
  std::map<kafka::TopicPartition, kafka::Watermarks> out = Bounds(consumer, partitions, timeout);
  const auto deadline = Clock::now() + wait;
  while (out.size() < partitions.size() && Clock::now() < deadline) {
    std::vector<kafka::TopicPartition> missing;
    for (const kafka::TopicPartition& tp : partitions) {
      if (out.count(tp) == 0) missing.push_back(tp);
    }
    // librdkafka answers from its metadata cache: a partition added since it was read (a
    // raised partition count) is unknown to it until that is read again.
    std::set<std::string> topics;
    for (const kafka::TopicPartition& tp : missing) topics.insert(tp.topic);
    for (const std::string& topic : topics) {
      consumer.Metadata(timeout, topic).status().IgnoreError();
    }
    std::this_thread::sleep_for(kBoundsRetry);
    out.merge(Bounds(consumer, missing, timeout));
  }
  return out;
}

// Widens the window for partitions with nothing from the source in it, back to the log
// start. A window can also hold no record at all and still not be the whole log: its
// offsets were transaction markers (a local transactional producer's, after the last
// record copied), which a consumer never sees.
Status Widen(kafka::Consumer& consumer, std::chrono::milliseconds timeout,
             std::map<kafka::TopicPartition, PartitionTail>& tails,
             std::map<kafka::TopicPartition, Scan>& scans) {
  std::vector<kafka::TopicPartition> looking;
  for (const auto& [tp, scan] : scans) {
    if (!tails[tp].last_upstream) looking.push_back(tp);
  }
  const std::map<kafka::TopicPartition, kafka::Watermarks> bounds =
      Bounds(consumer, looking, timeout);
  for (const kafka::TopicPartition& tp : looking) {
    auto b = bounds.find(tp);
    kafka::Watermarks w;
    if (b != bounds.end()) {
      w = b->second;
    } else {
      STRAIT_ASSIGN_OR_RETURN(w, consumer.QueryWatermarks(tp.topic, tp.partition, timeout));
    }
    Scan& scan = scans[tp];
    tails[tp].log_start = w.low;
    // The first window is the last offset (a logical tail offset); the others are ranges.
    const int64_t covered_from = scan.until >= 0        ? scan.from
                                 : scan.first_seen >= 0 ? scan.first_seen
                                                        : w.high - 1;
    if (covered_from <= w.low) continue;
    scan.window *= kGrowth;
    scan.until = covered_from;
    scan.from = std::max(w.low, covered_from - scan.window);
    scan.first_seen = -1;
    scan.done = false;
  }
  return Status::Ok();
}

}  // namespace

LogSearch::LogSearch(kafka::Properties consumer_properties, std::string name,
                     std::chrono::milliseconds timeout)
    : properties_(std::move(consumer_properties)), name_(std::move(name)), timeout_(timeout) {}

LogSearch::~LogSearch() = default;

Result<kafka::Consumer*> LogSearch::GetConsumer() {
  if (consumer_ == nullptr) {
    kafka::ConsumerOptions options;
    options.client.name = name_;
    options.client.properties = {{"enable.auto.commit", "false"},
                                 {"enable.partition.eof", "true"},
                                 {"isolation.level", "read_uncommitted"},
                                 {"auto.offset.reset", "earliest"},
                                 {"fetch.wait.max.ms", "10"}};
    options.client.properties.insert(options.client.properties.end(), properties_.begin(),
                                     properties_.end());
    STRAIT_ASSIGN_OR_RETURN(consumer_, kafka::Consumer::Create(std::move(options)));
  }
  return consumer_.get();
}

Result<std::vector<PartitionTail>> LogSearch::Tails(const std::string& topic,
                                                    const std::vector<int32_t>& partitions,
                                                    uint64_t source_fingerprint, bool widen) {
  std::vector<kafka::TopicPartition> tps;
  for (int32_t p : partitions) tps.push_back({topic, p});
  STRAIT_ASSIGN_OR_RETURN(auto tails, Tails(tps, source_fingerprint, widen));
  std::vector<PartitionTail> out;
  for (auto& [tp, tail] : tails) out.push_back(tail);
  return out;
}

Result<std::map<kafka::TopicPartition, PartitionTail>> LogSearch::Tails(
    const std::vector<kafka::TopicPartition>& partitions, uint64_t source_fingerprint, bool widen,
    Unanswered unanswered) {
  STRAIT_ASSIGN_OR_RETURN(kafka::Consumer * consumer, GetConsumer());
  std::map<kafka::TopicPartition, PartitionTail> tails;
  std::map<kafka::TopicPartition, Scan> scans;
  const std::map<kafka::TopicPartition, kafka::Watermarks> bounds = SettledBounds(
      *consumer, partitions, unanswered == Unanswered::kLeave ? kLeaveAfter : timeout_ / 5);
  for (const kafka::TopicPartition& tp : partitions) {
    PartitionTail& tail = tails[tp];
    tail.partition = tp.partition;
    auto b = bounds.find(tp);
    if (b != bounds.end() && b->second.high <= b->second.low) {
      if (widen) tail.log_start = b->second.low;  // what widening would have read
      continue;  // no record to read: nothing was mirrored there, or nothing is left
    }
    // The last offset, as kafka::OffsetTail(1) would say, without one more look-up per
    // partition when it is assigned.
    if (b == bounds.end() && unanswered == Unanswered::kLeave) {
      tail.unanswered = true;
      continue;
    }
    scans[tp].from = b != bounds.end() ? b->second.high - 1 : kafka::OffsetTail(1);
  }
  auto deadline = Clock::now() + timeout_;
  while (true) {
    std::vector<kafka::TopicPartitionOffset> assign;
    for (auto& [tp, scan] : scans) {
      if (!scan.done) assign.push_back({tp.topic, tp.partition, scan.from});
    }
    if (assign.empty()) break;
    STRAIT_RETURN_IF_ERROR(consumer->Assign(assign));
    size_t open = assign.size();
    while (open > 0) {
      if (Clock::now() > deadline) {
        return Unavailable(
            fmt::format("reading the end of {} ({} partitions) took longer than {} ms",
                        assign.front().topic, assign.size(), timeout_.count()));
      }
      std::vector<kafka::Message> batch;
      consumer->PollBatch(200ms, 1000, &batch);
      for (const kafka::Message& m : batch) {
        auto it = scans.find({std::string(m.topic()), m.partition()});
        if (it == scans.end() || it->second.done) continue;
        Scan& scan = it->second;
        PartitionTail& tail = tails[it->first];
        bool reached_end =
            m.is_partition_eof() || (scan.until >= 0 && m.offset() >= scan.until - 1);
        if (!m.is_partition_eof()) {
          if (!m.error().ok()) return m.error().WithContext("reading " + it->first.topic);
          tail.has_records = true;
          if (scan.first_seen < 0 || m.offset() < scan.first_seen) scan.first_seen = m.offset();
          std::optional<Provenance> prov = CopiedFrom(m, source_fingerprint);
          // The last one written, not the highest upstream offset: after a source topic was
          // created again, or truncated, upstream offsets on the target go down.
          if (prov && (!tail.last_offset || TargetOffset(m.offset()) > *tail.last_offset)) {
            tail.last_upstream = prov->upstream_offset;
            tail.last_offset = TargetOffset(m.offset());
            tail.last_source_topic = prov->source_topic;
          }
        }
        if (reached_end) {
          scan.done = true;
          --open;
        }
      }
    }
    if (widen) STRAIT_RETURN_IF_ERROR(Widen(*consumer, timeout_, tails, scans));
  }
  consumer->Assign({}).IgnoreError();
  return tails;
}

Result<std::optional<MirroredRecord>> LogSearch::NextFrom(const std::string& topic,
                                                          int32_t partition, TargetOffset from,
                                                          uint64_t source_fingerprint) {
  STRAIT_ASSIGN_OR_RETURN(std::optional<Probe> p,
                          FirstFrom(topic, partition, from, source_fingerprint, Want::kCopied));
  if (!p) return std::optional<MirroredRecord>();
  return std::optional<MirroredRecord>(MirroredRecord{p->offset, *p->upstream});
}

Result<std::optional<TargetOffset>> LogSearch::NextNotFrom(const std::string& topic,
                                                           int32_t partition, TargetOffset from,
                                                           TargetOffset until,
                                                           uint64_t source_fingerprint) {
  if (from >= until) return std::optional<TargetOffset>();
  STRAIT_ASSIGN_OR_RETURN(
      std::optional<Probe> p,
      FirstFrom(topic, partition, from, source_fingerprint, Want::kNotCopied, until));
  if (!p) return std::optional<TargetOffset>();
  return std::optional<TargetOffset>(p->offset);
}

Result<std::optional<LogSearch::Probe>> LogSearch::FirstFrom(const std::string& topic,
                                                             int32_t partition, TargetOffset from,
                                                             uint64_t source_fingerprint, Want want,
                                                             std::optional<TargetOffset> until) {
  STRAIT_ASSIGN_OR_RETURN(kafka::Consumer * consumer, GetConsumer());
  STRAIT_RETURN_IF_ERROR(consumer->Assign({{topic, partition, from.value()}}));
  auto deadline = Clock::now() + timeout_;
  while (Clock::now() < deadline) {
    std::vector<kafka::Message> batch;
    consumer->PollBatch(200ms, 500, &batch);
    for (const kafka::Message& m : batch) {
      if (m.topic() != topic || m.partition() != partition) continue;
      if (m.is_partition_eof()) return std::optional<Probe>();
      if (!m.error().ok()) return m.error().WithContext("reading " + topic);
      if (until && TargetOffset(m.offset()) >= *until) return std::optional<Probe>();
      std::optional<Provenance> prov = CopiedFrom(m, source_fingerprint);
      if ((want == Want::kCopied && !prov) || (want == Want::kNotCopied && prov)) continue;
      Probe p{TargetOffset(m.offset()), std::nullopt};
      if (prov) p.upstream = prov->upstream_offset;
      return std::optional<Probe>(p);
    }
  }
  return Unavailable(fmt::format("reading {}[{}] from offset {} took longer than {} ms", topic,
                                 partition, from.value(), timeout_.count()));
}

Result<std::optional<StoredRecord>> LogSearch::Last(const std::string& topic, int32_t partition) {
  STRAIT_ASSIGN_OR_RETURN(kafka::Consumer * consumer, GetConsumer());
  STRAIT_RETURN_IF_ERROR(consumer->Assign({{topic, partition, kafka::OffsetTail(1)}}));
  auto deadline = Clock::now() + timeout_;
  while (Clock::now() < deadline) {
    std::vector<kafka::Message> batch;
    consumer->PollBatch(200ms, 10, &batch);
    for (const kafka::Message& m : batch) {
      if (m.topic() != topic || m.partition() != partition) continue;
      if (m.is_partition_eof()) return std::optional<StoredRecord>();
      if (!m.error().ok()) return m.error().WithContext("reading " + topic);
      StoredRecord r{TargetOffset(m.offset()), m.timestamp_ms(), std::nullopt, std::nullopt};
      if (m.key()) r.key = std::string(*m.key());
      if (m.value()) r.value = std::string(*m.value());
      return std::optional<StoredRecord>(std::move(r));
    }
  }
  return Unavailable(fmt::format("reading the last record of {}[{}] took longer than {} ms", topic,
                                 partition, timeout_.count()));
}

Status CheckUpstreamGrows(const std::string& topic, int32_t partition,
                          std::vector<MirroredRecord> probes) {
  std::sort(probes.begin(), probes.end(),
            [](const MirroredRecord& a, const MirroredRecord& b) { return a.offset < b.offset; });
  for (size_t i = 1; i < probes.size(); ++i) {
    if (probes[i].upstream < probes[i - 1].upstream) {
      return FailedPrecondition(fmt::format(
          "upstream offsets go down in {}[{}] (source offset {} at target offset {}, {} at {}): "
          "the source partition was truncated (an unclean leader election there) and records "
          "it lost stay on the target; a search by source offset cannot be trusted across that",
          topic, partition, probes[i - 1].upstream.value(), probes[i - 1].offset.value(),
          probes[i].upstream.value(), probes[i].offset.value()));
    }
  }
  return Status::Ok();
}

// Binary search over target offsets: NextFrom(mid) is the first record from the source at
// or after mid, and upstream offsets grow with target offsets among those records.
Result<SearchResult> LogSearch::FirstWithUpstreamAtLeast(const std::string& topic,
                                                         int32_t partition, SourceOffset n,
                                                         uint64_t source_fingerprint,
                                                         std::optional<TargetOffset> from) {
  STRAIT_ASSIGN_OR_RETURN(kafka::Consumer * consumer, GetConsumer());
  // The search sees the log up to the high watermark it starts with. Records copied while it
  // runs may hold n; the tail read after it would then skip them, so it searches again.
  for (int attempt = 0; attempt < kSearchAttempts; ++attempt) {
    STRAIT_ASSIGN_OR_RETURN(kafka::Watermarks w,
                            consumer->QueryWatermarks(topic, partition, timeout_));
    int64_t lo = from ? std::max(w.low, from->value()) : w.low, hi = w.high;
    std::optional<int64_t> best;
    std::vector<MirroredRecord> probes;
    while (lo < hi) {
      int64_t mid = lo + (hi - lo) / 2;
      STRAIT_ASSIGN_OR_RETURN(std::optional<MirroredRecord> r,
                              NextFrom(topic, partition, TargetOffset(mid), source_fingerprint));
      if (r) probes.push_back(*r);
      if (!r || r->offset.value() >= hi) {
        hi = mid;  // nothing from the source in [mid, hi)
      } else if (r->upstream >= n) {
        best = r->offset.value();
        hi = mid;
      } else {
        lo = r->offset.value() + 1;
      }
    }
    // The answer is a copy >= n right after one < n, so it never skips a record; after a
    // truncation it may still be a copy of a record the source lost. The copy after it and
    // the last one (when the partition's last record is a copy) show the usual truncation
    // (the new leader not yet past the old end).
    if (best) {
      for (int64_t at : {*best + 1, w.high - 1}) {
        STRAIT_ASSIGN_OR_RETURN(std::optional<MirroredRecord> probe,
                                NextFrom(topic, partition, TargetOffset(at), source_fingerprint));
        if (probe) probes.push_back(*probe);
      }
      STRAIT_RETURN_IF_ERROR(CheckUpstreamGrows(topic, partition, probes));
      // Every record copied from the source before `lo` has upstream < n and none from `lo`
      // on: `lo` only ever moves to just after such a record, so it ends right after the last.
      return SearchResult{false, TargetOffset(*best), std::nullopt, TargetOffset(lo)};
    }
    STRAIT_ASSIGN_OR_RETURN(std::vector<PartitionTail> tails,
                            Tails(topic, {partition}, source_fingerprint));
    const PartitionTail& tail = tails.front();
    if (tail.last_offset) probes.push_back({*tail.last_offset, *tail.last_upstream});
    STRAIT_RETURN_IF_ERROR(CheckUpstreamGrows(topic, partition, probes));
    if (tail.last_upstream && *tail.last_upstream >= n) continue;
    SearchResult out{true, TargetOffset(w.low), tail.last_upstream, TargetOffset(w.low)};
    if (tail.last_offset) out.target = *tail.last_offset + 1;
    out.after_previous = out.target;
    return out;
  }
  return Unavailable(
      fmt::format("{}[{}] grew faster than it could be searched for source "
                  "offset {}",
                  topic, partition, n.value()));
}

// Binary search for the boundary between records strait did not copy and records it did,
// one record per step: the partition may hold millions of MirrorMaker 2's records before it.
Result<std::optional<LogSearch::FirstCopy>> LogSearch::FirstCopied(const std::string& topic,
                                                                   int32_t partition,
                                                                   uint64_t source_fingerprint) {
  STRAIT_ASSIGN_OR_RETURN(kafka::Consumer * consumer, GetConsumer());
  STRAIT_ASSIGN_OR_RETURN(kafka::Watermarks w,
                          consumer->QueryWatermarks(topic, partition, timeout_));
  int64_t lo = w.low, hi = w.high;
  std::optional<FirstCopy> first;
  bool others = false;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    STRAIT_ASSIGN_OR_RETURN(std::optional<Probe> p, FirstFrom(topic, partition, TargetOffset(mid),
                                                              source_fingerprint, Want::kAny));
    if (!p || p->offset.value() >= hi) {
      hi = mid;
    } else if (p->upstream) {
      first = FirstCopy{MirroredRecord{p->offset, *p->upstream}, false};
      hi = mid;
    } else {
      others = true;
      lo = p->offset.value() + 1;
    }
  }
  consumer->Assign({}).IgnoreError();
  if (first) first->after_others = others;
  return first;
}

}  // namespace strait::provenance
