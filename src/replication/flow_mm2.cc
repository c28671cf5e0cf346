// Flow's hook for mm2.takeover: partitions MirrorMaker 2 mirrored start where it stopped
// (offsets/mm2_takeover.h, docs/migrating-from-mm2.md).
#include <set>

#include "base/log.h"
#include "replication/flow.h"

namespace strait::replication {

std::unique_ptr<offsets::Mm2Takeover> Flow::NewMm2Takeover() const {
  offsets::Mm2TakeoverOptions options;
  options.source_alias = flow_.source;
  options.offsets_topic = flow_.mm2_offsets_topic.empty() ? offsets::Mm2OffsetsTopic(flow_.source)
                                                          : flow_.mm2_offsets_topic;
  options.source_fingerprint = source_fp_;
  options.whole_log = flow_.naming == config::Naming::kIdentity;
  // MirrorMaker 2 reads read_uncommitted unless told otherwise; reading the same way sees
  // every record it may have copied (the match passes over the ones it did not).
  auto source = offsets::NewKafkaPartitionReader(source_.ConsumerProperties(),
                                                 name_ + "/mm2-source", "read_uncommitted");
  auto target = offsets::NewKafkaPartitionReader(target_.ConsumerProperties(),
                                                 name_ + "/mm2-target", "read_committed");
  auto tails =
      std::make_unique<provenance::LogSearch>(target_.ConsumerProperties(), name_ + "/mm2-tail");
  return std::make_unique<offsets::Mm2Takeover>(std::move(options), std::move(source),
                                                std::move(target), std::move(tails));
}

std::vector<int32_t> Flow::TakeOverFromMm2(const std::string& name, const RemoteTopic& topic,
                                           const std::vector<int32_t>& parts) {
  std::vector<int32_t> usual;
  std::set<int32_t> ours;
  if (flow_.naming == config::Naming::kPrefix) {
    // strait is the only writer of a prefixed remote topic, so a partition whose last record
    // is strait's is past the takeover: one read for all of them, as the usual resume does.
    auto tails = tails_->Tails(topic.remote, parts, source_fp_, /*widen=*/false);
    if (!tails.ok()) {
      log::Warn("flow", "cannot read where the target stopped; retrying",
                {{"flow", name_}, {"remote", topic.remote}, {"error", tails.status().message()}});
      return {};
    }
    for (const provenance::PartitionTail& t : *tails) {
      if (t.last_upstream) ours.insert(t.partition);
    }
  }
  for (int32_t p : parts) {
    PartitionTable::Entry* entry = partitions_.Find(name, p);
    if (entry->forced_offset || ours.count(p) != 0) {  // decided already
      usual.push_back(p);
      continue;
    }
    Result<std::optional<offsets::Mm2Resume>> r = mm2_->Resume(name, p, topic.remote);
    if (!r.ok()) {
      log::Error(
          "flow", "partition not taken over from MirrorMaker 2; retrying later",
          {{"flow", name_}, {"topic", name}, {"partition", p}, {"error", r.status().message()}});
      partitions_.StartFailed(name, p, r.status(), Clock::now());
      continue;
    }
    if (!r->has_value()) {
      usual.push_back(p);
      continue;
    }
    const offsets::Mm2Resume& resume = **r;
    log::Info("flow", "taking over from MirrorMaker 2",
              {{"flow", name_}, {"topic", name}, {"partition", p}, {"how", resume.detail}});
    // Consumer groups positioned among MirrorMaker 2's last copies translate exactly. The
    // map only grows forward, so a second takeover of the partition (a retry) adds nothing.
    if (entry->state->offset_map.empty()) {
      for (const auto& [source, target] : resume.copies) {
        entry->state->offset_map.Record(source, target);
      }
    }
    StartPartitionAt(name, topic, p, {StartAt::Offset(resume.start), "MirrorMaker 2"});
  }
  return usual;
}

}  // namespace strait::replication
