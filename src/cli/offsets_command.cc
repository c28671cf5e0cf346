// `strait offsets translate|apply --config F --group G --from A --to B`: where group G,
// which consumed on cluster A, must resume on cluster B — for failover (A -> B, through the
// flow A->B) and failback (B -> A, for topics that came from A). `apply` commits it.
#include <fmt/format.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/config_file.h"
#include "config/config.h"
#include "kafka/admin.h"
#include "mm2/naming.h"
#include "offsets/group_commit.h"
#include "offsets/translator.h"
#include "provenance/log_search.h"
#include "provenance/provenance.h"
#include "replication/topic_filter.h"

namespace strait::cli {
namespace {

using namespace std::chrono_literals;

struct Row {
  std::string topic;
  int32_t partition = 0;
  int64_t committed = -1;
  std::string target_topic;
  int64_t target_offset = -1;
  std::string note;
};

struct Side {
  const config::ClusterConfig* cluster = nullptr;
  std::unique_ptr<kafka::Admin> admin;
  uint64_t fingerprint = 0;
};

Result<Side> Open(const config::Config& config, const std::string& alias) {
  if (config.clusters.count(alias) == 0) {
    return InvalidArgument(fmt::format("{}: no cluster \"{}\" in the config", config.path, alias));
  }
  Side side;
  side.cluster = &config.Cluster(alias);
  kafka::ClientOptions options{"offsets/" + alias, side.cluster->AdminProperties(),
                               [](int, std::string_view, std::string_view) {}};
  STRAIT_ASSIGN_OR_RETURN(side.admin, kafka::Admin::Create(options));
  Result<std::string> id = side.admin->ClusterId(10s);
  if (!id.ok()) {
    return Unavailable(fmt::format("cannot reach cluster {} at {}: {}", alias,
                                   side.cluster->Bootstrap(), id.status().message()));
  }
  side.fingerprint = provenance::ClusterFingerprint(*id);
  return side;
}

const config::FlowConfig* FindFlow(const config::Config& config, const std::string& source,
                                   const std::string& target) {
  for (const config::FlowConfig& f : config.flows) {
    if (f.source == source && f.target == target) return &f;
  }
  return nullptr;
}

Result<std::vector<Row>> Translate(const config::Config& config, const OffsetsOptions& o,
                                   Side& from, Side& to) {
  Result<std::vector<kafka::TopicPartitionOffset>> committed =
      from.admin->ListConsumerGroupOffsets(o.group, {}, 15s);
  if (!committed.ok()) return committed.status();
  const config::FlowConfig* forward = FindFlow(config, o.from, o.to);
  const config::FlowConfig* backward = FindFlow(config, o.to, o.from);
  provenance::LogSearch to_log(to.cluster->ConsumerProperties(), "offsets/" + o.to + "-search");
  provenance::LogSearch from_log(from.cluster->ConsumerProperties(),
                                 "offsets/" + o.from + "-search");
  const bool identity = forward != nullptr && forward->naming == config::Naming::kIdentity;
  offsets::Translator translator(
      &to_log, &from_log, from.fingerprint, to.fingerprint,
      forward != nullptr && forward->mm2_takeover,
      identity ? offsets::RemoteLog::kInterleaved : offsets::RemoteLog::kMirroredOnly);
  std::vector<Row> rows;
  for (const kafka::TopicPartitionOffset& c : *committed) {
    if (!c.error.ok() || c.offset < 0) continue;
    Row row{c.topic, c.partition, c.offset, "", -1, ""};
    Result<offsets::Translation> t = Status(StatusCode::kNotFound, "");
    std::optional<std::string> remote;
    if (forward != nullptr) {
      mm2::NamingContext naming{forward->naming, forward->separator, o.from, o.to};
      replication::TopicFilter filter(forward->topics, forward->topics_exclude);
      if (filter.Matches(c.topic)) remote = mm2::RemoteTopicName(naming, c.topic);
    }
    std::string sep = backward != nullptr ? backward->separator : ".";
    std::optional<std::string> upstream = mm2::UpstreamTopicName(c.topic, o.to, sep);
    if (remote) {
      row.target_topic = *remote;
      t = translator.Forward(*remote, PartitionId(c.partition), SourceOffset(c.offset), nullptr);
    } else if (upstream) {
      row.target_topic = *upstream;
      t = translator.Backward(c.topic, PartitionId(c.partition), SourceOffset(c.offset));
    } else {
      row.note = fmt::format("not mirrored between {} and {}", o.from, o.to);
      rows.push_back(row);
      continue;
    }
    if (!t.ok()) {
      return t.status().WithContext(fmt::format("translating {}[{}]", c.topic, c.partition));
    }
    if (t->kind == offsets::Translation::Kind::kExact) row.target_offset = t->offset.value();
    row.note = t->note;
    rows.push_back(row);
  }
  return rows;
}

int Apply(const OffsetsOptions& o, Side& to, const std::vector<Row>& rows) {
  std::vector<kafka::TopicPartitionOffset> wanted;
  for (const Row& r : rows) {
    if (r.target_offset >= 0) wanted.push_back({r.target_topic, r.partition, r.target_offset});
  }
  Result<offsets::CommitResult> result =
      offsets::CommitToIdleGroup(*to.admin, o.group, wanted, o.allow_rewind, 15s);
  if (!result.ok()) {
    std::fprintf(stderr, "error: %s\n", result.status().message().c_str());
    return kExitFailure;
  }
  if (result->active_members > 0) {
    std::fprintf(stderr,
                 "error: group %s has %zu active members on %s; stop them before applying "
                 "(nothing was committed)\n",
                 o.group.c_str(), result->active_members, o.to.c_str());
    return kExitFailure;
  }
  for (const offsets::KeptPosition& k : result->plan.kept) {
    std::printf("kept %s[%d] at %lld (ahead of %lld; --allow-rewind to move it back)\n",
                k.topic.c_str(), k.partition, static_cast<long long>(k.current),
                static_cast<long long>(k.wanted));
  }
  if (result->plan.commit.empty()) {
    std::printf("nothing to commit\n");
    return kExitOk;
  }
  std::printf("committed %zu offsets for group %s on %s\n", result->plan.commit.size(),
              o.group.c_str(), o.to.c_str());
  return kExitOk;
}

void Print(const OffsetsOptions& o, const std::vector<Row>& rows) {
  if (o.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const Row& r : rows) {
      out.push_back({{"topic", r.topic},
                     {"partition", r.partition},
                     {"committed", r.committed},
                     {"target_topic", r.target_topic},
                     {"target_offset", r.target_offset},
                     {"note", r.note}});
    }
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  std::printf("group %s: %s -> %s\n", o.group.c_str(), o.from.c_str(), o.to.c_str());
  std::printf("%-30s %5s %12s   %-30s %12s  %s\n", "topic", "part", "committed", "target topic",
              "target", "note");
  for (const Row& r : rows) {
    std::string target = r.target_offset >= 0 ? std::to_string(r.target_offset) : "-";
    std::printf("%-30s %5d %12lld   %-30s %12s  %s\n", r.topic.c_str(), r.partition,
                static_cast<long long>(r.committed), r.target_topic.c_str(), target.c_str(),
                r.note.c_str());
  }
}

}  // namespace

int RunOffsets(const OffsetsOptions& o) {
  std::optional<config::Config> config = LoadConfigOrSay(o.config_path);
  if (!config) return kExitUsage;
  if (o.from == o.to) {
    std::fprintf(stderr, "--from and --to are both %s\n", o.from.c_str());
    return kExitUsage;
  }
  Result<Side> from = Open(*config, o.from);
  Result<Side> to = from.ok() ? Open(*config, o.to) : from.status();
  if (!to.ok()) {
    std::fprintf(stderr, "error: %s\n", to.status().message().c_str());
    return to.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  Result<std::vector<Row>> rows = Translate(*config, o, *from, *to);
  if (!rows.ok()) {
    std::fprintf(stderr, "error: %s\n", rows.status().message().c_str());
    return kExitFailure;
  }
  Print(o, *rows);
  return o.apply ? Apply(o, *to, *rows) : kExitOk;
}

}  // namespace strait::cli
