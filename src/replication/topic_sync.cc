#include "replication/topic_sync.h"

#include <fmt/format.h>

#include "base/log.h"
#include "provenance/provenance.h"
#include "replication/config_sync.h"
#include "replication/data_clients.h"

namespace strait::replication {
namespace {

using namespace std::chrono_literals;

constexpr std::chrono::milliseconds kAdminTimeout = 15s;
constexpr int64_t kDefaultMaxMessageBytes = 1048588;  // Kafka's broker default

}  // namespace

TopicSync::TopicSync(const config::FlowConfig& flow, kafka::Admin* source_admin,
                     kafka::Admin* target_admin, provenance::LogSearch* target_tails,
                     uint64_t source_fingerprint)
    : flow_(flow),
      name_(flow.Name()),
      naming_{flow.naming, flow.separator, flow.source, flow.target},
      filter_(flow.topics, flow.topics_exclude),
      config_excludes_(flow.config_properties_exclude, {}),
      source_admin_(source_admin),
      target_admin_(target_admin),
      target_tails_(target_tails),
      source_fp_(source_fingerprint) {}

TopicSync::Errors TopicSync::Round() {
  Result<kafka::ClusterMetadata> source_md = source_admin_->Metadata(kAdminTimeout);
  Result<kafka::ClusterMetadata> target_md = target_admin_->Metadata(kAdminTimeout);
  Errors errors{source_md.status(), target_md.status()};
  if (!source_md.ok() || !target_md.ok()) return errors;

  std::map<std::string, int32_t> matched;
  for (const kafka::TopicInfo& t : source_md->topics) {
    bool wanted = filter_.Matches(t.name) || mm2::IsHeartbeatsTopic(t.name, flow_.separator);
    if (!t.error.ok() || t.partitions.empty() || !wanted) continue;
    if (!mm2::RemoteTopicName(naming_, t.name)) continue;  // would go back where it came from
    matched[t.name] = static_cast<int32_t>(t.partitions.size());
  }
  for (auto& [name, entry] : topics_) {
    if (matched.count(name) == 0 && !entry.gone) MarkGone(name, entry);
  }
  if (matched.empty()) return errors;

  std::vector<std::string> source_names, remote_names;
  for (const auto& [name, n] : matched) {
    source_names.push_back(name);
    std::string remote = *mm2::RemoteTopicName(naming_, name);
    if (target_md->FindTopic(remote) != nullptr) remote_names.push_back(remote);
  }
  auto described = source_admin_->DescribeTopicIds(source_names, kAdminTimeout);
  if (!described.ok()) {
    log::Warn("flow", "cannot read source topic ids",
              {{"flow", name_}, {"error", described.status().message()}});
    return errors;
  }
  std::map<std::string, uint64_t> ids;  // 0: not known this round (the topic is still synced)
  for (const auto& [name, id] : *described) {
    ids[name] = id.ok() ? provenance::TopicFingerprint(*id) : 0;
  }
  MarkRecreated(ids);
  ReadOwnership(matched, *target_md);
  auto source_configs = source_admin_->DescribeTopicConfigs(source_names, kAdminTimeout);
  if (!source_configs.ok()) {
    log::Warn("flow", "cannot read source topic configs",
              {{"flow", name_}, {"error", source_configs.status().message()}});
    return errors;
  }
  std::map<std::string, Result<std::vector<kafka::ConfigEntry>>> target_configs;
  if (!remote_names.empty()) {
    auto r = target_admin_->DescribeTopicConfigs(remote_names, kAdminTimeout);
    if (!r.ok()) {
      log::Warn("flow", "cannot read target topic configs",
                {{"flow", name_}, {"error", r.status().message()}});
      return errors;
    }
    target_configs = std::move(r).value();
  }
  for (const auto& [name, n] : matched) {
    auto sc = source_configs->find(name);
    if (sc != source_configs->end() &&
        sc->second.status().code() == StatusCode::kPermissionDenied) {
      DeniedTopic(name, sc->second.status());
      continue;
    }
    if (sc == source_configs->end() || !sc->second.ok()) continue;  // deleted meanwhile
    auto id = ids.find(name);
    const uint64_t source_topic = id != ids.end() ? id->second : 0;
    // A gone topic comes back only once its partitions were let go (Forget): the topic
    // now under that name may be another one, and resume must look at the target afresh.
    auto known = topics_.find(name);
    if (known != topics_.end() && known->second.gone) continue;
    std::string remote = *mm2::RemoteTopicName(naming_, name);
    auto tc = target_configs.find(remote);
    const std::vector<kafka::ConfigEntry>* target_entries =
        (tc != target_configs.end() && tc->second.ok()) ? &tc->second.value() : nullptr;
    SyncTopic(name, n, source_topic, *target_md, *sc->second, target_entries);
  }
  CreateRemotes();
  return errors;
}

void TopicSync::DeniedTopic(const std::string& name, const Status& why) {
  RemoteTopic& entry = topics_[name];
  if (entry.remote.empty()) entry.remote = *mm2::RemoteTopicName(naming_, name);
  if (entry.error != why.message()) {
    log::Error("flow", "topic not mirrored",
               {{"flow", name_}, {"topic", name}, {"error", why.message()}});
  }
  entry.error = why.message();
}

void TopicSync::MarkRecreated(const std::map<std::string, uint64_t>& ids) {
  for (auto& [name, entry] : topics_) {
    auto id = ids.find(name);
    // Either id not known (this round, or when the topic was taken up): nothing to compare.
    if (entry.gone || id == ids.end() || id->second == 0 || entry.source_topic == 0 ||
        entry.source_topic == id->second) {
      continue;
    }
    MarkGone(name, entry, /*recreated=*/true);
  }
}

bool TopicSync::Recheck(const std::string& name) {
  auto entry = topics_.find(name);
  if (entry == topics_.end() || entry->second.gone) return false;
  auto described = source_admin_->DescribeTopicIds({name}, kAdminTimeout);
  if (!described.ok() || described->count(name) == 0) return false;  // the next round decides
  const Result<std::string>& id = described->at(name);
  if (!id.ok() && id.status().code() != StatusCode::kNotFound) return false;
  const bool recreated = id.ok();
  if (recreated && provenance::TopicFingerprint(*id) == entry->second.source_topic) return false;
  MarkGone(name, entry->second, recreated);
  return true;
}

void TopicSync::MarkGone(const std::string& name, RemoteTopic& entry, bool recreated) {
  entry.gone = true;
  log::Warn("flow",
            recreated ? "source topic was deleted and created again (its topic id changed); the "
                        "new topic is mirrored from its start after what the remote topic holds"
                      : "source topic is gone; its remote topic is kept",
            {{"flow", name_}, {"topic", name}, {"remote", entry.remote}});
}

void TopicSync::SyncTopic(const std::string& name, int32_t source_partitions, uint64_t source_topic,
                          const kafka::ClusterMetadata& target_md,
                          const std::vector<kafka::ConfigEntry>& source_configs,
                          const std::vector<kafka::ConfigEntry>* target_configs) {
  RemoteTopic& entry = topics_[name];
  if (entry.remote.empty()) {
    entry.remote = *mm2::RemoteTopicName(naming_, name);
    log::Info("flow", "mirroring topic",
              {{"flow", name_}, {"topic", name}, {"remote", entry.remote}});
  }
  entry.source_partitions = source_partitions;
  if (source_topic != 0) entry.source_topic = source_topic;
  ConfigMap target_overrides = target_configs ? TopicOverrides(*target_configs) : ConfigMap{};
  ConfigMap desired =
      flow_.sync_topic_configs
          ? DesiredRemoteConfigs(TopicOverrides(source_configs), target_overrides, config_excludes_)
          : target_overrides;
  const kafka::TopicInfo* remote = target_md.FindTopic(entry.remote);
  if (remote == nullptr) {
    // Created with the other new ones after the round's loop (CreateRemotes).
    to_create_.push_back({name, source_partitions, std::move(desired)});
    return;
  }
  entry.target_partitions = static_cast<int32_t>(remote->partitions.size());
  Status status = CheckOwnership(entry);
  if (status.ok() && entry.target_partitions < source_partitions) {
    status = target_admin_->CreatePartitions(entry.remote, source_partitions, kAdminTimeout);
    if (status.ok()) {
      log::Info("flow", "raised partition count",
                {{"flow", name_}, {"remote", entry.remote}, {"partitions", source_partitions}});
      entry.target_partitions = source_partitions;
    }
  }
  if (status.ok() && flow_.sync_topic_configs && desired != target_overrides) {
    status = target_admin_->IncrementalAlterTopicConfigs(
        entry.remote, ConfigDiff(target_overrides, desired), kAdminTimeout);
    if (status.ok()) {
      log::Info("flow", "synced topic configs", {{"flow", name_}, {"remote", entry.remote}});
    }
  }
  SetLimits(name, entry, desired, target_configs, status);
}

// The remote topic's real max.message.bytes (the broker default may differ from Kafka's)
// decides record sizes; a compacting cleanup.policy refuses keyless records.
void TopicSync::SetLimits(const std::string& name, RemoteTopic& entry, const ConfigMap& desired,
                          const std::vector<kafka::ConfigEntry>* target_configs,
                          const Status& status) {
  auto target_value = [&](const std::string& key) {
    return desired.count(key) != 0     ? desired.at(key)
           : target_configs != nullptr ? ConfigValue(*target_configs, key)
                                       : "";
  };
  entry.max_message_bytes = ParseBytes(target_value("max.message.bytes"), kDefaultMaxMessageBytes);
  entry.keys_required = target_value("cleanup.policy").find("compact") != std::string::npos;
  std::string error = status.ok() ? "" : status.message();
  if (error != entry.error) {
    if (!error.empty()) {
      log::Error("flow", "topic not mirrored",
                 {{"flow", name_}, {"topic", name}, {"error", error}});
    }
    entry.error = error;
  }
}

// Every remote topic this round found missing, in as few CreateTopics requests as the
// controller takes (a hundred topics one by one took a round trip and a metadata commit
// each), then the new topics' configs in one DescribeConfigs. Mirroring starts now rather
// than a refresh interval later.
void TopicSync::CreateRemotes() {
  std::vector<ToCreate> pending;
  pending.swap(to_create_);
  if (pending.empty()) return;
  std::vector<kafka::NewTopic> topics;
  for (const ToCreate& c : pending) {
    topics.push_back({topics_[c.name].remote, c.partitions, flow_.replication_factor, c.configs});
  }
  Result<std::vector<Status>> created = target_admin_->CreateTopics(topics, kAdminTimeout);
  std::vector<std::string> described_names;
  for (size_t i = 0; i < pending.size(); ++i) {
    RemoteTopic& entry = topics_[pending[i].name];
    Status s = created.ok() && i < created->size() ? (*created)[i] : created.status();
    if (s.ok()) {
      log::Info("flow", "created remote topic",
                {{"flow", name_}, {"remote", entry.remote}, {"partitions", pending[i].partitions}});
      entry.owned = true;
      entry.target_partitions = pending[i].partitions;
      described_names.push_back(entry.remote);
    } else if (s.code() != StatusCode::kAlreadyExists) {
      // Someone else created it meanwhile (already exists): the next round looks at it.
      SetLimits(pending[i].name, entry, pending[i].configs, nullptr,
                s.WithContext(fmt::format("creating {} on {}", entry.remote, flow_.target)));
    }
  }
  if (described_names.empty()) return;
  auto described = target_admin_->DescribeTopicConfigs(described_names, kAdminTimeout);
  if (!described.ok()) return;  // max.message.bytes unknown: the next round reads it
  for (const ToCreate& c : pending) {
    RemoteTopic& entry = topics_[c.name];
    auto d = described->find(entry.remote);
    if (d == described->end() || !d->second.ok()) continue;
    SetLimits(c.name, entry, c.configs, &d->second.value(), Status::Ok());
  }
}

bool TopicSync::ChecksOwnership() const {
  return flow_.naming != config::Naming::kIdentity && !flow_.adopt_existing_topics &&
         flow_.provenance_headers && !flow_.mm2_takeover;
}

// A restart finds every remote topic existing and not yet owned: read one at a time, 100
// topics of 100 partitions took 21 s before the first partition could resume (two offset
// look-ups and a read per topic); read together, a look-up serves thousands of partitions.
void TopicSync::ReadOwnership(const std::map<std::string, int32_t>& matched,
                              const kafka::ClusterMetadata& target_md) {
  constexpr size_t kBatch = 2500;  // partitions per look-up, as resume reads them
  ownership_.clear();
  if (!ChecksOwnership()) return;
  std::vector<kafka::TopicPartition> parts;
  auto read = [&] {
    Result<std::map<kafka::TopicPartition, provenance::PartitionTail>> tails =
        target_tails_->Tails(parts, source_fp_);
    parts.clear();
    if (!tails.ok()) return;  // CheckOwnership reads such topics alone, and says why
    for (const auto& [tp, tail] : *tails) {
      Ownership& o = ownership_[tp.topic];
      ++o.partitions;
      o.has_records |= tail.has_records;
      o.has_ours |= tail.last_upstream.has_value();
    }
  };
  for (const auto& [name, n] : matched) {
    auto known = topics_.find(name);
    if (known != topics_.end() && (known->second.owned || known->second.gone)) continue;
    const std::string remote = *mm2::RemoteTopicName(naming_, name);
    const kafka::TopicInfo* topic = target_md.FindTopic(remote);
    if (topic == nullptr) continue;
    for (size_t p = 0; p < topic->partitions.size(); ++p) {
      parts.push_back({remote, static_cast<int32_t>(p)});
    }
    if (parts.size() >= kBatch) read();
  }
  if (!parts.empty()) read();
}

// With prefix naming the remote topic is strait's alone: one that already holds records
// but none copied by this flow was made by someone else, and writing into it would mix
// two histories. With identity naming the target topic is expected to have its own writers.
Status TopicSync::CheckOwnership(RemoteTopic& entry) {
  if (entry.owned) return Status::Ok();
  if (!ChecksOwnership()) {
    entry.owned = true;
    return Status::Ok();
  }
  bool has_records = false, has_ours = false;
  auto read = ownership_.find(entry.remote);
  if (read != ownership_.end() &&
      read->second.partitions == static_cast<size_t>(entry.target_partitions)) {
    has_records = read->second.has_records;
    has_ours = read->second.has_ours;
  } else {
    std::vector<int32_t> parts;
    for (int32_t p = 0; p < entry.target_partitions; ++p) parts.push_back(p);
    Result<std::vector<provenance::PartitionTail>> tails =
        target_tails_->Tails(entry.remote, parts, source_fp_);
    if (!tails.ok()) return tails.status();
    for (const provenance::PartitionTail& t : *tails) {
      has_records |= t.has_records;
      has_ours |= t.last_upstream.has_value();
    }
  }
  if (has_records && !has_ours) {
    return FailedPrecondition(fmt::format(
        "target topic {} on {} already exists and holds records strait did not mirror from {}: "
        "delete it, or set adopt.existing.topics: true to append to it",
        entry.remote, flow_.target, flow_.source));
  }
  if (entry.target_partitions < entry.source_partitions && !has_ours) {
    return FailedPrecondition(fmt::format(
        "target topic {} on {} has {} partitions, source topic has {}: raise the target's "
        "partition count or delete it (strait keeps partition numbers)",
        entry.remote, flow_.target, entry.target_partitions, entry.source_partitions));
  }
  entry.owned = true;
  return Status::Ok();
}

}  // namespace strait::replication
