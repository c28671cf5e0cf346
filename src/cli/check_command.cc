// `strait check`: validate the config, connect to every cluster, print the plan.
#include <fmt/format.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/config_file.h"
#include "config/config.h"
#include "kafka/admin.h"
#include "kafka/producer.h"
#include "mm2/format.h"
#include "mm2/naming.h"
#include "replication/access_check.h"
#include "replication/topic_filter.h"
#include "replication/topology.h"

namespace strait::cli {
namespace {

using namespace std::chrono_literals;

struct Connected {
  std::unique_ptr<kafka::Admin> admin;
  kafka::ClusterMetadata metadata;
};

Result<Connected> Connect(const config::ClusterConfig& cluster) {
  kafka::ClientOptions options{"check/" + cluster.alias, cluster.AdminProperties(), {}};
  // librdkafka logs each refused connection; the summary below says it once.
  options.log_sink = [](int, std::string_view, std::string_view) {};
  STRAIT_ASSIGN_OR_RETURN(std::unique_ptr<kafka::Admin> admin, kafka::Admin::Create(options));
  Result<kafka::ClusterMetadata> md = admin->Metadata(10s);
  if (!md.ok()) {
    return Unavailable(fmt::format("cannot reach cluster {} at {}: {}", cluster.alias,
                                   cluster.Bootstrap(), md.status().message()));
  }
  return Connected{std::move(admin), std::move(md).value()};
}

void PrintFlowPlan(const config::FlowConfig& flow, const kafka::ClusterMetadata& source,
                   const kafka::ClusterMetadata& target) {
  replication::TopicFilter filter(flow.topics, flow.topics_exclude);
  mm2::NamingContext naming{flow.naming, flow.separator, flow.source, flow.target};
  std::printf("flow %s (%s naming, forward %s)\n", flow.Name().c_str(),
              replication::NamingName(flow.naming), replication::ForwardName(flow.forward));
  std::vector<const kafka::TopicInfo*> topics;
  for (const kafka::TopicInfo& t : source.topics) {
    if (filter.Matches(t.name)) topics.push_back(&t);
  }
  std::sort(topics.begin(), topics.end(), [](auto* a, auto* b) { return a->name < b->name; });
  if (topics.empty()) std::printf("  no source topic matches the filter yet\n");
  for (const kafka::TopicInfo* t : topics) {
    std::optional<std::string> remote = mm2::RemoteTopicName(naming, t->name);
    if (!remote) {
      std::printf("  %-30s  not mirrored: it came from %s\n", t->name.c_str(), flow.target.c_str());
      continue;
    }
    const kafka::TopicInfo* existing = target.FindTopic(*remote);
    std::string what;
    if (existing == nullptr) {
      what = fmt::format("will be created with {} partitions", t->partitions.size());
    } else if (existing->partitions.size() < t->partitions.size()) {
      what = fmt::format(
          "exists with {} partitions (fewer than {}): raised if strait created it, "
          "an error otherwise",
          existing->partitions.size(), t->partitions.size());
    } else {
      what = fmt::format("exists with {} partitions", existing->partitions.size());
    }
    std::printf("  %-30s -> %-30s  %s\n", t->name.c_str(), remote->c_str(), what.c_str());
  }
}

// The flow's topics as they are now: what it mirrors from the source (the filter's topics
// and MirrorMaker 2's heartbeats) and which remote topics exist.
replication::FlowTopics TopicsOf(const config::FlowConfig& flow,
                                 const kafka::ClusterMetadata& source,
                                 const kafka::ClusterMetadata& target) {
  replication::TopicFilter filter(flow.topics, flow.topics_exclude);
  mm2::NamingContext naming{flow.naming, flow.separator, flow.source, flow.target};
  replication::FlowTopics out;
  for (const kafka::TopicInfo& t : source.topics) {
    if (!filter.Matches(t.name) && !mm2::IsHeartbeatsTopic(t.name, flow.separator)) continue;
    std::optional<std::string> remote = mm2::RemoteTopicName(naming, t.name);
    if (!remote) continue;
    out.source.push_back(t.name);
    (target.FindTopic(*remote) ? out.remote_existing : out.remote_missing).push_back(*remote);
  }
  std::string heartbeats(mm2::kHeartbeatsTopic);
  out.source_heartbeats_exist = source.FindTopic(heartbeats) != nullptr;
  out.target_heartbeats_exist = target.FindTopic(heartbeats) != nullptr;
  out.checkpoints_exist =
      target.FindTopic(mm2::CheckpointsTopic(flow.source, flow.separator)) != nullptr;
  return out;
}

// Initializes transactions with `transactional_id` on `cluster` and drops the producer: the
// only way to learn whether group mode may write with the ids under that prefix.
Status ProbeTransactions(const config::ClusterConfig& cluster,
                         const std::string& transactional_id) {
  kafka::ClientOptions options{
      "check/" + cluster.alias + "/transactions", cluster.ProducerProperties(), {}};
  options.properties.push_back({"transactional.id", transactional_id});
  options.log_sink = [](int, std::string_view, std::string_view) {};
  STRAIT_ASSIGN_OR_RETURN(std::unique_ptr<kafka::Producer> producer,
                          kafka::Producer::Create(options, [](const kafka::DeliveryReport&) {}));
  return producer->InitTransactions(10s);
}

// Prints each ACL the flow needs and does not have (with `group` enabled, what several
// instances need too); false when one is missing or the clusters could not say.
bool CheckAccess(const config::FlowConfig& flow, const config::GroupConfig& group,
                 const config::ClusterConfig& target_cluster, Connected& source,
                 Connected& target) {
  auto missing = replication::FindMissingAccess(
      flow, TopicsOf(flow, source.metadata, target.metadata), *source.admin, *target.admin, group,
      [&](const std::string& id) { return ProbeTransactions(target_cluster, id); });
  if (!missing.ok()) {
    std::fprintf(stderr, "error: flow %s: cannot check ACLs: %s\n", flow.Name().c_str(),
                 missing.status().message().c_str());
    return false;
  }
  for (const replication::MissingAccess& m : *missing) {
    std::printf("  missing ACL: %s\n", m.message.c_str());
  }
  if (missing->empty()) std::printf("  ACLs: everything the flow needs is granted\n");
  return missing->empty();
}

}  // namespace

int RunCheck(const CheckOptions& options) {
  std::optional<config::Config> config = LoadConfigOrSay(options.config_path);
  if (!config) return kExitUsage;
  std::printf("config %s is valid: %zu clusters, %zu flows\n", options.config_path.c_str(),
              config->clusters.size(), config->flows.size());
  std::vector<replication::TopologyProblem> problems = replication::AnalyzeTopology(config->flows);
  for (const replication::TopologyProblem& p : problems) {
    std::printf("%s %s: %s\n", p.severity.c_str(), p.kind.c_str(), p.message.c_str());
  }
  if (options.offline) return problems.empty() ? kExitOk : kExitFailure;
  std::map<std::string, Connected> clusters;
  bool failed = false;
  for (const auto& [alias, cluster] : config->clusters) {
    Result<Connected> c = Connect(cluster);
    if (!c.ok()) {
      std::fprintf(stderr, "error: %s\n", c.status().message().c_str());
      failed = true;
      continue;
    }
    std::printf("cluster %s: %zu brokers, %zu topics\n", alias.c_str(), c->metadata.brokers.size(),
                c->metadata.topics.size());
    clusters.emplace(alias, std::move(c).value());
  }
  for (const config::FlowConfig& flow : config->flows) {
    if (clusters.count(flow.source) == 0 || clusters.count(flow.target) == 0) continue;
    PrintFlowPlan(flow, clusters.at(flow.source).metadata, clusters.at(flow.target).metadata);
    if (!CheckAccess(flow, config->group, config->Cluster(flow.target), clusters.at(flow.source),
                     clusters.at(flow.target))) {
      failed = true;
    }
  }
  return failed || !problems.empty() ? kExitFailure : kExitOk;
}

}  // namespace strait::cli
