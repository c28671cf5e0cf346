// Flow's answer to a partition whose source no longer has the offset it was at
// (DataEvent::Kind::kOutOfRange): retention deleted records before they were read, or the
// source's log was truncated (an unclean leader election there). docs/guarantees.md, "A
// truncated source", says what each case keeps and loses.
#include <fmt/format.h>

#include <algorithm>

#include "base/log.h"
#include "replication/flow.h"

namespace strait::replication {

using namespace std::chrono_literals;

void Flow::RestartOutOfRange(const DataEvent& e) {
  if (topic_sync_->Recheck(e.source.topic)) {
    Reconcile();  // the topic was deleted or created again: its partitions are let go
    return;
  }
  if (e.truncation) {
    RestartAfterTruncation(e);
    return;
  }
  Result<kafka::Watermarks> w =
      source_admin_->QueryWatermarks(e.source.topic, e.source.partition, 15s);
  if (!w.ok()) {
    partitions_.RestartAt(e.source.topic, e.source.partition, std::nullopt, Clock::now() + 5s);
    return;
  }
  if (!e.offset) {
    // Nothing read yet (started at an end of the log): start where the config says.
    partitions_.RestartAt(e.source.topic, e.source.partition, std::nullopt, {});
    return;
  }
  const SourceOffset low(w->low), high(w->high), at = *e.offset;
  if (at < low) {
    records_expired_ += low - at;
    log::Error("flow", "records were deleted at the source before they were mirrored",
               {{"flow", name_},
                {"topic", e.source.topic},
                {"partition", e.source.partition},
                {"first_missing", at.value()},
                {"log_start", low.value()},
                {"records", low - at}});
    partitions_.RestartAt(e.source.topic, e.source.partition, low, {});
    return;
  }
  // Above the end: the source lost records strait had read. Without a leader epoch (a
  // partition resumed from the target's log, or a fetch that met the new leader before
  // librdkafka validated its epoch) where the logs diverge is not known; it is at most the
  // new end, which is where mirroring goes on (or strait's position, if the new leader
  // has grown past it since).
  const SourceOffset restart = std::min(at, high);
  NoteTruncation(e, at, std::nullopt, restart, "source_end");
  partitions_.RestartAt(e.source.topic, e.source.partition, restart, {});
}

// librdkafka's leader-epoch validation found the source's log diverging at a known offset:
// every record the new leader holds from there on is mirrored, the ones strait had mirrored
// from there on stay on the target (upstream offsets there go down once).
void Flow::RestartAfterTruncation(const DataEvent& e) {
  std::optional<SourceOffset> at;
  if (e.offset && e.offset->value() >= 0) at = e.offset;
  if (!e.truncation->diverges_at) {
    NoteTruncation(e, at, std::nullopt, std::nullopt, "leader_epoch");
    partitions_.Hold(
        e.source.topic, e.source.partition,
        fmt::format("the source partition's log was truncated (unclean leader election?) and the "
                    "consumer did not say where; held at source offset {} so that nothing is "
                    "skipped: see \"A truncated source\" in docs/operations.md",
                    at ? at->value() : -1),
        std::string(StatusCodeName(StatusCode::kDataLoss)));
    return;
  }
  const SourceOffset diverges(*e.truncation->diverges_at);
  const SourceOffset restart = at ? std::min(*at, diverges) : diverges;
  NoteTruncation(e, at, diverges, restart, "leader_epoch");
  partitions_.RestartAt(e.source.topic, e.source.partition, restart, {});
}

void Flow::NoteTruncation(const DataEvent& e, std::optional<SourceOffset> mirrored_up_to,
                          std::optional<SourceOffset> diverges_at,
                          std::optional<SourceOffset> restart, std::string_view detected_by) {
  ++source_truncations_;
  const auto minus_one = [](std::optional<SourceOffset> o) { return o.value_or(SourceOffset(-1)); };
  const char* what =
      !restart ? "the source partition's log was truncated (unclean leader election?) at an "
                 "unknown offset: the partition is held"
      : diverges_at
          ? "the source partition's log was truncated (unclean leader election?): mirroring "
            "restarts where it now differs from what was read"
          : "the source partition's log was truncated (unclean leader election?) below what was "
            "read: mirroring continues from its end; records its new leader received before "
            "that are not mirrored";
  log::Error("flow", what,
             {{"flow", name_},
              {"topic", e.source.topic},
              {"partition", e.source.partition},
              {"mirrored_up_to", minus_one(mirrored_up_to).value()},
              {"truncated_at", minus_one(diverges_at).value()},
              {"restart_at", minus_one(restart).value()},
              {"detected_by", detected_by}});
  PartitionTable::Entry* entry = partitions_.Find(e.source.topic, e.source.partition);
  if (entry == nullptr) return;
  entry->state->SetTruncation({minus_one(mirrored_up_to), minus_one(diverges_at),
                               minus_one(restart), std::string(detected_by)});
  // The map's entries from there on are copies of records the source no longer has; the
  // group offsets translated from now on are the new leader's.
  if (restart && mirrored_up_to && *restart < *mirrored_up_to) {
    entry->state->offset_map.Truncate(*restart);
  }
}

}  // namespace strait::replication
