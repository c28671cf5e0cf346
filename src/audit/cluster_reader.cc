#include "audit/cluster_reader.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <functional>
#include <future>
#include <map>
#include <optional>
#include <set>

#include "audit/coordinator.h"

namespace strait::audit {
namespace {

using std::chrono::milliseconds;
using Entries = std::vector<kafka::ConfigEntry>;

constexpr int kAttempts = 5;         // for retriable failures (a broker not answering)
constexpr size_t kTopicBatch = 100;  // topics per DescribeConfigs request
constexpr size_t kGroupBatch = 50;   // groups per DescribeConsumerGroups request

// Retries a retriable failure: during an incident some brokers do not answer. librdkafka
// sends some admin requests to "the controller", which a KRaft broker reports as a random
// registered broker, possibly a hung one; fresh metadata names another, so `refresh` runs
// between attempts.
template <typename F>
auto WithRetries(F call, const std::function<void()>& refresh = {}) -> decltype(call()) {
  auto result = call();
  for (int i = 1; i < kAttempts && !result.ok() && result.status().retriable(); ++i) {
    if (refresh) refresh();
    result = call();
  }
  return result;
}

std::optional<std::string> Value(const Entries& entries, std::string_view name) {
  for (const kafka::ConfigEntry& e : entries) {
    if (e.name == name) return e.value;
  }
  return std::nullopt;
}

template <typename T>
void IntValue(const Entries& entries, std::string_view name, T* out) {
  std::optional<std::string> v = Value(entries, name);
  if (!v) return;
  T n{};
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec == std::errc() && end == v->data() + v->size()) *out = n;
}

void BoolValue(const Entries& entries, std::string_view name, bool* out) {
  if (std::optional<std::string> v = Value(entries, name)) *out = *v == "true";
}

std::string NowUtc() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void ReadDefaults(const Entries& e, ClusterDefaults* d) {
  IntValue(e, "min.insync.replicas", &d->min_isr);
  BoolValue(e, "unclean.leader.election.enable", &d->unclean_leader_election);
  IntValue(e, "default.replication.factor", &d->default_replication_factor);
  IntValue(e, "offsets.topic.replication.factor", &d->offsets_topic_replication_factor);
  IntValue(e, "offsets.topic.num.partitions", &d->offsets_topic_num_partitions);
  IntValue(e, "transaction.state.log.replication.factor",
           &d->transaction_state_log_replication_factor);
  IntValue(e, "transaction.state.log.min.isr", &d->transaction_state_log_min_isr);
  IntValue(e, "replica.lag.time.max.ms", &d->replica_lag_time_max_ms);
  IntValue(e, "broker.session.timeout.ms", &d->broker_session_timeout_ms);
}

// Brokers from metadata, plus brokers that replica lists name but metadata does not list
// (down or fenced): they count as dead in every scenario.
void ReadBrokers(const kafka::ClusterMetadata& md, ClusterDescription* c) {
  std::set<BrokerId> known;
  for (const kafka::BrokerInfo& b : md.brokers) {
    c->brokers.push_back({b.id, "", Origin::kUnknown, true});
    known.insert(b.id);
  }
  std::set<BrokerId> missing;
  for (const kafka::TopicInfo& t : md.topics) {
    for (const kafka::PartitionInfo& p : t.partitions) {
      for (BrokerId r : p.replicas) {
        if (known.count(r) == 0) missing.insert(r);
      }
    }
  }
  for (BrokerId id : missing) c->brokers.push_back({id, "", Origin::kUnknown, false});
  std::sort(c->brokers.begin(), c->brokers.end(),
            [](const Broker& a, const Broker& b) { return a.id < b.id; });
  if (!missing.empty()) {
    c->AddNote(
        fmt::format("brokers {} hold replicas but are not registered (down or fenced); "
                    "their DCs must come from the operator file",
                    fmt::join(missing, ",")));
  }
}

// Asks every registered broker for its configs at once: a frozen broker costs one timeout,
// not one per broker. Returns the first answer, for the cluster-wide settings.
std::optional<Entries> ReadBrokerConfigs(kafka::Admin& admin, milliseconds timeout,
                                         ClusterDescription* c, Status* first_error) {
  std::map<BrokerId, std::future<Result<Entries>>> pending;
  for (const Broker& b : c->brokers) {
    if (!b.registered) continue;
    pending[b.id] = std::async(std::launch::async, [&admin, id = b.id, timeout] {
      return admin.DescribeBrokerConfigs(id, timeout);
    });
  }
  std::optional<Entries> first;
  for (Broker& b : c->brokers) {
    auto it = pending.find(b.id);
    if (it == pending.end()) continue;
    Result<Entries> entries = it->second.get();
    if (!entries.ok()) {
      if (first_error->ok()) *first_error = entries.status();
      c->AddNote(
          fmt::format("broker {} did not answer DescribeConfigs ({}); its DC must come "
                      "from the operator file",
                      b.id, entries.status().message()));
      continue;
    }
    std::optional<std::string> rack = Value(*entries, "broker.rack");
    if (rack && !rack->empty()) {
      b.dc = *rack;
      b.dc_origin = Origin::kCluster;
    }
    if (!first) first = std::move(*entries);
  }
  return first;
}

void ReadVoters(const Entries& config, ClusterDescription* c) {
  std::string voters = Value(config, "controller.quorum.voters").value_or("");
  Result<std::vector<BrokerId>> ids = ParseQuorumVoters(voters);
  if (!ids.ok() || ids->empty()) {
    c->AddNote(ids.ok() ? "the quorum is dynamic (no controller.quorum.voters) and librdkafka "
                          "has no DescribeQuorum: the voters must come from the operator file"
                        : ids.status().message());
    return;
  }
  c->voters_origin = Origin::kCluster;
  for (BrokerId id : *ids) {
    // A combined broker+controller node carries its broker.rack; a controller-only node none.
    const Broker* b = c->FindBroker(id);
    if (b != nullptr && !b->dc.empty()) {
      c->controllers.push_back({id, b->dc, Origin::kCluster});
    } else {
      c->controllers.push_back({id, "", Origin::kUnknown});
    }
  }
}

Status ReadTopics(kafka::Admin& admin, const kafka::ClusterMetadata& md, milliseconds timeout,
                  ClusterDescription* c) {
  std::vector<std::string> names;
  for (const kafka::TopicInfo& t : md.topics) {
    Topic topic{t.name,
                IsInternalTopicName(t.name),
                c->defaults.min_isr,
                c->defaults.unclean_leader_election,
                {}};
    for (const kafka::PartitionInfo& p : t.partitions) {
      topic.partitions.push_back({p.id, p.replicas, p.isr, p.leader, std::nullopt});
    }
    c->topics.push_back(std::move(topic));
    names.push_back(t.name);
  }
  for (size_t i = 0; i < names.size(); i += kTopicBatch) {
    std::vector<std::string> batch(names.begin() + i,
                                   names.begin() + std::min(names.size(), i + kTopicBatch));
    auto configs = WithRetries([&] { return admin.DescribeTopicConfigs(batch, timeout); },
                               [&] { admin.Metadata(timeout).status().IgnoreError(); });
    if (!configs.ok()) return configs.status().WithContext("reading topic configs");
    for (Topic& t : c->topics) {
      auto it = configs->find(t.name);
      if (it == configs->end()) continue;
      if (!it->second.ok()) {
        c->AddNote(
            fmt::format("configs of topic {} could not be read ({}); the cluster defaults "
                        "are assumed",
                        t.name, it->second.status().message()));
        continue;
      }
      IntValue(*it->second, "min.insync.replicas", &t.min_isr);
      BoolValue(*it->second, "unclean.leader.election.enable", &t.unclean_leader_election);
    }
  }
  return Status::Ok();
}

void ReadGroups(kafka::Admin& admin, milliseconds timeout, ClusterDescription* c) {
  // One attempt: it asks every broker, so a hung one fails it every time.
  auto listing = admin.ListConsumerGroups(timeout);
  if (!listing.ok()) {
    c->AddNote(fmt::format("consumer groups could not be listed ({}): no group outcomes",
                           listing.status().message()));
    return;
  }
  // The coordinator uses the topic's real partition count once the topic exists.
  const Topic* offsets = c->FindTopic(kConsumerOffsetsTopic);
  int32_t n = offsets != nullptr && !offsets->partitions.empty()
                  ? static_cast<int32_t>(offsets->partitions.size())
                  : c->defaults.offsets_topic_num_partitions;
  std::vector<std::string> ids;
  for (const kafka::GroupListing& g : *listing) {
    c->groups.push_back({g.group_id, CoordinatorPartition(g.group_id, std::max(n, 1)), -1});
    ids.push_back(g.group_id);
  }
  for (size_t i = 0; i < ids.size(); i += kGroupBatch) {
    std::vector<std::string> batch(ids.begin() + i,
                                   ids.begin() + std::min(ids.size(), i + kGroupBatch));
    auto described = admin.DescribeConsumerGroups(batch, timeout);
    if (!described.ok()) continue;  // the cross-check is optional; the partition is computed
    for (const kafka::GroupDescription& d : *described) {
      for (Group& g : c->groups) {
        if (g.id == d.group_id && d.error.ok()) g.reported_coordinator = d.coordinator_id;
      }
    }
  }
}

}  // namespace

Result<std::vector<BrokerId>> ParseQuorumVoters(const std::string& voters) {
  std::vector<BrokerId> ids;
  size_t start = 0;
  while (start < voters.size()) {
    size_t end = voters.find(',', start);
    if (end == std::string::npos) end = voters.size();
    std::string_view item(voters.data() + start, end - start);
    size_t at = item.find('@');
    BrokerId id = 0;
    auto [p, ec] =
        std::from_chars(item.data(), item.data() + (at == std::string_view::npos ? 0 : at), id);
    if (at == std::string_view::npos || ec != std::errc() || p != item.data() + at) {
      return InvalidArgument(
          fmt::format("controller.quorum.voters: cannot read \"{}\" (expected "
                      "id@host:port)",
                      item));
    }
    ids.push_back(id);
    start = end + 1;
  }
  return ids;
}

Result<ClusterDescription> ReadCluster(kafka::Admin& admin, const ReadOptions& options) {
  ClusterDescription c;
  c.source = options.source;
  c.read_at = NowUtc();
  auto md = WithRetries([&] { return admin.Metadata(options.timeout); });
  if (!md.ok()) {
    return md.status().WithContext(fmt::format("reading metadata of {}", options.source));
  }
  ReadBrokers(*md, &c);
  Status broker_error;
  std::optional<Entries> config = ReadBrokerConfigs(admin, options.timeout, &c, &broker_error);
  if (!config) {
    // Say why: a missing DESCRIBE_CONFIGS on the cluster is not a broker that is down.
    return Status(broker_error.code(),
                  fmt::format("{}: no broker answered DescribeConfigs ({})", options.source,
                              broker_error.message()),
                  broker_error.retriable() ? Retriable::kYes : Retriable::kNo);
  }
  ReadDefaults(*config, &c.defaults);
  ReadVoters(*config, &c);
  STRAIT_RETURN_IF_ERROR(ReadTopics(admin, *md, options.timeout, &c));
  ReadGroups(admin, options.timeout, &c);
  c.AddNote(
      "librdkafka reads neither features nor ELR membership: whether Eligible "
      "Leader Replicas are on, and who is in them, come from the operator file or stay "
      "unknown");
  return c;
}

}  // namespace strait::audit
