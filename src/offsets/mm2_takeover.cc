#include "offsets/mm2_takeover.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/log.h"

namespace strait::offsets {

struct RemoteTail {
  kafka::Watermarks bounds;
  int64_t from = 0;  // `records` are the data records in [from, bounds.high)
  std::vector<RecordDigest> records;
  // With LogAppendTime the target broker set the timestamps, so they are not copies.
  bool with_timestamps = true;

  bool complete() const { return from <= bounds.low; }
};

namespace {

// The first read of each log; every further read is kGrowth times longer, so a takeover
// costs a few round trips whether MirrorMaker 2 stopped right after storing its position or
// a minute later.
constexpr int64_t kFirstChunk = 64;
constexpr int64_t kGrowth = 4;

std::string Named(const std::string& topic, int32_t partition) {
  return fmt::format("{}[{}]", topic, partition);
}

// Reads up to `n` more offsets back from tail->from.
Status Extend(PartitionReader& target, const std::string& remote, int32_t partition, int64_t n,
              RemoteTail* tail) {
  int64_t from = std::max(tail->bounds.low, tail->from - n);
  if (from == tail->from) return Status::Ok();
  STRAIT_ASSIGN_OR_RETURN(std::vector<RecordDigest> more,
                          target.Read(remote, partition, from, tail->from, tail->with_timestamps));
  more.insert(more.end(), tail->records.begin(), tail->records.end());
  tail->records = std::move(more);
  tail->from = from;
  return Status::Ok();
}

Mm2Resume Found(std::optional<SourceOffset> stored, AlignResult r) {
  int64_t after = 0;
  for (const auto& [source, target] : r.copies) after += stored && source > *stored ? 1 : 0;
  std::string detail =
      stored ? fmt::format("MirrorMaker 2 stored source offset {} and copied {} records after it",
                           stored->value(), after)
             : std::string("MirrorMaker 2 stored no offset");
  detail += fmt::format("; the remote partition ends with the copy of source offset {}",
                        r.last_copied->value());
  if (r.source_skipped > 0) {
    detail += fmt::format(
        "; {} source records before it are not on the target (aborted "
        "transactions MirrorMaker 2 did not copy)",
        r.source_skipped);
  }
  if (r.target_repeats > 0) {
    detail += fmt::format("; {} records are on the target twice (MirrorMaker 2 retried a send)",
                          r.target_repeats);
  }
  return Mm2Resume{*r.last_copied + 1, std::move(r.copies), std::move(detail)};
}

std::string FromWhere(std::optional<SourceOffset> anchor, const kafka::Watermarks& source) {
  return anchor ? fmt::format("MirrorMaker 2's stored offset {}", anchor->value())
                : fmt::format("the log start {}", source.low);
}

// What an operator can do when MirrorMaker 2's copies cannot be told apart.
constexpr std::string_view kRemedy =
    "if MirrorMaker 2 restarted and stopped again before it stored its position, run it "
    "until it has stored its offsets (offset.flush.interval.ms), stop it with SIGTERM and "
    "let strait retry";

}  // namespace

Mm2Takeover::Mm2Takeover(Mm2TakeoverOptions options, std::unique_ptr<PartitionReader> source,
                         std::unique_ptr<PartitionReader> target,
                         std::unique_ptr<provenance::LogSearch> tails)
    : options_(std::move(options)),
      source_(std::move(source)),
      target_(std::move(target)),
      tails_(std::move(tails)) {}

Status Mm2Takeover::LoadStoredOffsets() {
  if (stored_) return Status::Ok();
  Mm2SourceOffsets stored(options_.source_alias);
  Status s = target_->Scan(options_.offsets_topic,
                           [&](std::string_view key, std::optional<std::string_view> value) {
                             stored.Apply(key, value);
                           });
  if (s.code() == StatusCode::kNotFound) {
    // Without a stored position the match starts at the source's log start.
    log::Warn("mm2",
              "MirrorMaker 2's offsets topic does not exist; taking over from the "
              "records alone",
              {{"topic", options_.offsets_topic}});
  } else if (!s.ok()) {
    return s.WithContext("reading MirrorMaker 2's offsets from " + options_.offsets_topic);
  }
  log::Info(
      "mm2", "read MirrorMaker 2's stored offsets",
      {{"topic", options_.offsets_topic}, {"partitions", static_cast<int64_t>(stored.size())}});
  stored_ = std::move(stored);
  return Status::Ok();
}

Result<std::optional<Mm2Resume>> Mm2Takeover::Resume(const std::string& topic, int32_t partition,
                                                     const std::string& remote) {
  STRAIT_RETURN_IF_ERROR(LoadStoredOffsets());
  std::optional<SourceOffset> stored = stored_->LastCopied(topic, partition);
  RemoteTail tail;
  STRAIT_ASSIGN_OR_RETURN(tail.bounds, target_->Bounds(remote, partition));
  tail.from = tail.bounds.high;
  STRAIT_RETURN_IF_ERROR(ReadEnd(remote, partition, &tail));
  if (tail.records.empty()) {
    if (!stored) return std::optional<Mm2Resume>();  // MirrorMaker 2 never copied any of it
    return std::optional<Mm2Resume>(Mm2Resume{
        *stored + 1,
        {},
        fmt::format("MirrorMaker 2 stored source offset {}; {} holds no record (deleted by "
                    "retention?)",
                    stored->value(), Named(remote, partition))});
  }
  STRAIT_ASSIGN_OR_RETURN(bool ours, StraitWroteTo(remote, partition, tail));
  if (ours) return std::optional<Mm2Resume>();
  STRAIT_ASSIGN_OR_RETURN(Mm2Resume r, Locate(topic, partition, remote, stored, &tail));
  return std::optional<Mm2Resume>(std::move(r));
}

Status Mm2Takeover::ReadEnd(const std::string& remote, int32_t partition, RemoteTail* tail) {
  for (int64_t n = kFirstChunk; tail->records.empty() && !tail->complete(); n *= kGrowth) {
    STRAIT_RETURN_IF_ERROR(Extend(*target_, remote, partition, n, tail));
  }
  if (tail->records.empty() || !tail->records.back().log_append_time) return Status::Ok();
  RemoteTail again{tail->bounds, tail->bounds.high, {}, /*with_timestamps=*/false};
  STRAIT_RETURN_IF_ERROR(
      Extend(*target_, remote, partition, tail->bounds.high - tail->from, &again));
  *tail = std::move(again);
  return Status::Ok();
}

Result<bool> Mm2Takeover::StraitWroteTo(const std::string& remote, int32_t partition,
                                        const RemoteTail& tail) {
  if (tail.records.back().strait_upstream_cluster == options_.source_fingerprint) return true;
  if (!options_.whole_log || tails_ == nullptr) return false;
  STRAIT_ASSIGN_OR_RETURN(std::vector<provenance::PartitionTail> tails,
                          tails_->Tails(remote, {partition}, options_.source_fingerprint));
  return tails.front().last_upstream.has_value();
}

Result<Mm2Resume> Mm2Takeover::Locate(const std::string& topic, int32_t partition,
                                      const std::string& remote, std::optional<SourceOffset> stored,
                                      RemoteTail* tail) {
  STRAIT_ASSIGN_OR_RETURN(kafka::Watermarks bounds, source_->Bounds(topic, partition));
  // The stored offset anchors the match unless retention deleted it at the source since.
  std::optional<SourceOffset> anchor;
  int64_t next = bounds.low;
  if (stored && stored->value() >= bounds.low) {
    anchor = stored;
    next = stored->value();
  }
  if (next >= bounds.high) {
    return Mm2Resume{SourceOffset(bounds.high),
                     {},
                     fmt::format("the source holds no record from offset {} on", next)};
  }
  std::vector<RecordDigest> source;
  for (int64_t chunk = kFirstChunk;; chunk = std::min(chunk * kGrowth, options_.max_records)) {
    AlignResult r = Align({source, next >= bounds.high, tail->records, tail->complete(), anchor});
    switch (r.kind) {
      case AlignResult::Kind::kFound:
        return Found(stored, std::move(r));
      case AlignResult::Kind::kNoMatch:
        return FailedPrecondition(fmt::format(
            "cannot take over {} from MirrorMaker 2: its last record (offset {}) is no copy of "
            "a record of {} from {} to the end ({}): something other than MirrorMaker 2 wrote "
            "to it, or {}",
            Named(remote, partition), tail->records.back().offset, Named(topic, partition),
            FromWhere(anchor, bounds), bounds.high, kRemedy));
      case AlignResult::Kind::kNeedSource: {
        int64_t until = std::min(bounds.high, next + chunk);
        STRAIT_ASSIGN_OR_RETURN(
            std::vector<RecordDigest> more,
            source_->Read(topic, partition, next, until, tail->with_timestamps));
        source.insert(source.end(), more.begin(), more.end());
        next = until;
        break;
      }
      case AlignResult::Kind::kNeedTarget:
        STRAIT_RETURN_IF_ERROR(Extend(*target_, remote, partition, chunk, tail));
        break;
    }
    if (static_cast<int64_t>(source.size()) > options_.max_records ||
        static_cast<int64_t>(tail->records.size()) > options_.max_records) {
      return FailedPrecondition(fmt::format(
          "cannot take over {} from MirrorMaker 2: its end matches no record of {} within {} "
          "records of {}; {}",
          Named(remote, partition), Named(topic, partition), options_.max_records,
          FromWhere(anchor, bounds), kRemedy));
    }
  }
}

}  // namespace strait::offsets
