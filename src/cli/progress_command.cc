// `strait progress set --config F --flow SOURCE->TARGET --topic T --partition P --offset N`:
// where a flow continues a partition it cannot resume on its own. Retention on the target
// (or deleted records) can leave a remote partition that held the flow's records with none
// of them, and its progress group without a position (deleted, expired, or never written by
// an older strait); the flow then stops the partition rather than guess (docs/guarantees.md).
// This commits the first source offset to mirror to the flow's progress group, with the
// source topic's id, where the running flow finds it on its next retry.
#include <fmt/format.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/config_file.h"
#include "config/config.h"
#include "kafka/admin.h"
#include "mm2/naming.h"
#include "provenance/provenance.h"
#include "replication/resume.h"

namespace strait::cli {
namespace {

using namespace std::chrono_literals;

Result<std::unique_ptr<kafka::Admin>> Connect(const config::ClusterConfig& cluster) {
  kafka::ClientOptions options{"progress/" + cluster.alias, cluster.AdminProperties(),
                               [](int, std::string_view, std::string_view) {}};
  return kafka::Admin::Create(options);
}

Result<uint64_t> SourceTopicFingerprint(kafka::Admin& source, const std::string& topic) {
  STRAIT_ASSIGN_OR_RETURN(auto ids, source.DescribeTopicIds({topic}, 15s));
  auto it = ids.find(topic);
  if (it == ids.end()) return NotFound(fmt::format("source topic {} not found", topic));
  if (!it->second.ok()) return it->second.status();
  return provenance::TopicFingerprint(*it->second);
}

Status SetProgress(const config::Config& config, const ProgressOptions& o) {
  const config::FlowConfig* flow = nullptr;
  for (const config::FlowConfig& f : config.flows) {
    if (f.Name() == o.flow) flow = &f;
  }
  if (flow == nullptr) {
    return InvalidArgument(fmt::format("{}: no flow {} in the config", config.path, o.flow));
  }
  if (o.offset < 0) return InvalidArgument("--offset must be a source offset, 0 or more");
  mm2::NamingContext naming{flow->naming, flow->separator, flow->source, flow->target};
  std::optional<std::string> remote = mm2::RemoteTopicName(naming, o.topic);
  if (!remote) return InvalidArgument(fmt::format("flow {} does not mirror {}", o.flow, o.topic));
  STRAIT_ASSIGN_OR_RETURN(auto source, Connect(config.Cluster(flow->source)));
  STRAIT_ASSIGN_OR_RETURN(auto target, Connect(config.Cluster(flow->target)));
  STRAIT_ASSIGN_OR_RETURN(uint64_t topic_fp, SourceTopicFingerprint(*source, o.topic));
  const std::string group = replication::ProgressGroupName(flow->source, flow->target);
  STRAIT_ASSIGN_OR_RETURN(auto results,
                          target->AlterConsumerGroupOffsets(
                              group,
                              replication::ProgressOffsets({{*remote, PartitionId(o.partition),
                                                             SourceOffset(o.offset), topic_fp}}),
                              15s));
  for (const kafka::TopicPartitionOffset& r : results) {
    if (!r.error.ok()) return r.error.WithContext("committing to group " + group);
  }
  std::printf("flow %s continues %s[%d] at source offset %lld (group %s on %s)\n", o.flow.c_str(),
              remote->c_str(), o.partition, static_cast<long long>(o.offset), group.c_str(),
              flow->target.c_str());
  return Status::Ok();
}

}  // namespace

int RunProgress(const ProgressOptions& o) {
  std::optional<config::Config> config = LoadConfigOrSay(o.config_path);
  if (!config) return kExitUsage;
  Status s = SetProgress(*config, o);
  if (!s.ok()) {
    std::fprintf(stderr, "error: %s\n", s.message().c_str());
    return s.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  return kExitOk;
}

}  // namespace strait::cli
