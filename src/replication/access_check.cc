#include "replication/access_check.h"

#include <fmt/format.h>

#include <chrono>
#include <map>
#include <set>

#include "mm2/format.h"
#include "replication/membership.h"

namespace strait::replication {
namespace {

using namespace std::chrono_literals;
using kafka::AclOperation;
using kafka::AclResourceType;

constexpr std::chrono::milliseconds kTimeout = 10s;

void Add(std::vector<AccessNeed>* out, Side side, const std::string& topic,
         std::initializer_list<AclOperation> ops, const char* feature) {
  for (AclOperation op : ops) {
    out->push_back({side, op, AclResourceType::kTopic, topic, false, feature});
  }
}

// A topic strait writes to, and creates when it is missing.
void AddWritten(std::vector<AccessNeed>* out, Side side, const std::string& topic, bool exists,
                const char* feature) {
  if (exists) {
    Add(out, side, topic, {AclOperation::kWrite}, feature);
  } else {
    out->push_back({side, AclOperation::kCreate, AclResourceType::kTopic, topic, true, feature});
  }
}

void AddCluster(std::vector<AccessNeed>* out, Side side, AclOperation op, const char* feature) {
  out->push_back({side, op, AclResourceType::kCluster, std::string(kafka::kClusterResourceName),
                  false, feature});
}

bool Granted(const std::set<AclOperation>& ops, AclOperation op) {
  if (ops.count(op) != 0 || ops.count(AclOperation::kAll) != 0) return true;
  // Kafka implies DESCRIBE from READ, WRITE, DELETE and ALTER, DESCRIBE_CONFIGS from
  // ALTER_CONFIGS.
  if (op == AclOperation::kDescribe) {
    for (AclOperation o :
         {AclOperation::kRead, AclOperation::kWrite, AclOperation::kDelete, AclOperation::kAlter}) {
      if (ops.count(o) != 0) return true;
    }
  }
  return op == AclOperation::kDescribeConfigs && ops.count(AclOperation::kAlterConfigs) != 0;
}

std::string Missing(const kafka::Admin& admin, const AccessNeed& need,
                    std::string_view why = "not among its authorized operations") {
  return fmt::format(
      "{} (needed for {})",
      kafka::ExplainDenied(
          admin.identity(), need.operation, need.type, need.name, why,
          need.prefixed ? kafka::AclPatternType::kPrefixed : kafka::AclPatternType::kLiteral),
      need.feature);
}

// The transactional id the check initializes: under the prefix its ACL grants, with a ':'
// that no instance id has, so that the check never fences a running instance's producer.
std::string ProbeId(const std::string& prefix) { return prefix + ":strait-check"; }

// Asks `probe` about the transactional ids `need` names; the cluster says nothing else.
Status CheckTransactionalIds(const kafka::Admin& admin, const AccessNeed& need,
                             const TransactionProbe& probe, std::vector<MissingAccess>* out) {
  if (!probe) return Status::Ok();
  Status s = probe(ProbeId(need.name));
  if (s.code() != StatusCode::kPermissionDenied) return s;  // granted, or the cluster is down
  out->push_back({need, Missing(admin, need, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED")});
  return Status::Ok();
}

// Whether the operations Kafka reported for `name` (topic or group) include `op`.
bool GrantedOn(const std::map<std::string, Result<std::set<AclOperation>>>& ops,
               const std::string& name, AclOperation op) {
  auto it = ops.find(name);
  return it != ops.end() && it->second.ok() && Granted(*it->second, op);
}

// Checks the needs of one side against what its cluster says the principal may do.
Status CheckSide(kafka::Admin& admin, const std::vector<AccessNeed>& needs,
                 const TransactionProbe& probe, std::vector<MissingAccess>* out) {
  std::set<std::string> topics, groups;
  bool cluster = false;
  std::vector<kafka::NewTopic> created;
  for (const AccessNeed& n : needs) {
    if (n.create) {
      created.push_back({n.name, 1, -1, {}});
    } else if (n.type == AclResourceType::kCluster) {
      cluster = true;
    } else if (n.type == AclResourceType::kGroup) {
      groups.insert(n.name);
    } else if (n.type == AclResourceType::kTopic) {
      topics.insert(n.name);
    }
  }
  std::set<AclOperation> cluster_ops;
  if (cluster) {
    STRAIT_ASSIGN_OR_RETURN(cluster_ops, admin.ClusterOperations(kTimeout));
  }
  std::map<std::string, Result<std::set<AclOperation>>> topic_ops;
  if (!topics.empty()) {
    STRAIT_ASSIGN_OR_RETURN(topic_ops,
                            admin.TopicOperations({topics.begin(), topics.end()}, kTimeout));
  }
  std::map<std::string, Result<std::set<AclOperation>>> group_ops;
  for (const std::string& g : groups) {
    STRAIT_ASSIGN_OR_RETURN(std::set<AclOperation> ops, admin.GroupOperations(g, kTimeout));
    group_ops.emplace(g, std::move(ops));
  }
  std::map<std::string, Status> creatable;
  if (!created.empty()) {
    STRAIT_ASSIGN_OR_RETURN(std::vector<Status> r, admin.CreateTopics(created, kTimeout, true));
    for (size_t i = 0; i < r.size() && i < created.size(); ++i) creatable[created[i].name] = r[i];
  }
  for (const AccessNeed& n : needs) {
    if (n.create) {
      const Status& s = creatable[n.name];
      if (s.code() == StatusCode::kPermissionDenied) {
        out->push_back({n, fmt::format("{} (needed for {})", s.message(), n.feature)});
      }
      continue;
    }
    if (n.type == AclResourceType::kTransactionalId) {
      STRAIT_RETURN_IF_ERROR(CheckTransactionalIds(admin, n, probe, out));
      continue;
    }
    bool granted = n.type == AclResourceType::kCluster ? Granted(cluster_ops, n.operation)
                   : n.type == AclResourceType::kGroup ? GrantedOn(group_ops, n.name, n.operation)
                                                       : GrantedOn(topic_ops, n.name, n.operation);
    if (!granted) out->push_back({n, Missing(admin, n)});
  }
  return Status::Ok();
}

}  // namespace

std::vector<AccessNeed> FlowNeeds(const config::FlowConfig& flow, const FlowTopics& topics) {
  std::vector<AccessNeed> out;
  for (const std::string& t : topics.source) {
    Add(&out, Side::kSource, t, {AclOperation::kRead, AclOperation::kDescribeConfigs}, "mirroring");
  }
  for (const std::string& t : topics.remote_existing) {
    Add(&out, Side::kTarget, t,
        {AclOperation::kWrite, AclOperation::kRead, AclOperation::kDescribeConfigs}, "mirroring");
    Add(&out, Side::kTarget, t, {AclOperation::kAlter}, "raising partition counts");
    if (flow.sync_topic_configs) {
      Add(&out, Side::kTarget, t, {AclOperation::kAlterConfigs}, "config sync");
    }
  }
  for (const std::string& t : topics.remote_missing) {
    out.push_back(
        {Side::kTarget, AclOperation::kCreate, AclResourceType::kTopic, t, true, "topic creation"});
  }
  if (flow.emit_heartbeats) {
    std::string hb(mm2::kHeartbeatsTopic);
    AddWritten(&out, Side::kSource, hb, topics.source_heartbeats_exist, "heartbeats");
    AddWritten(&out, Side::kTarget, hb, topics.target_heartbeats_exist, "heartbeats");
  }
  if (flow.emit_checkpoints || flow.sync_group_offsets) {
    AddWritten(&out, Side::kTarget, mm2::CheckpointsTopic(flow.source, flow.separator),
               topics.checkpoints_exist, "checkpoints");
  }
  if (flow.sync_topic_acls || flow.sync_group_acls) {
    AddCluster(&out, Side::kSource, AclOperation::kDescribe, "ACL sync");
    AddCluster(&out, Side::kTarget, AclOperation::kDescribe, "ACL sync");
    AddCluster(&out, Side::kTarget, AclOperation::kAlter, "ACL sync");
  }
  return out;
}

std::vector<AccessNeed> GroupNeeds(const config::GroupConfig& group,
                                   const config::FlowConfig& flow) {
  const std::string id = GroupIdOf(group, flow);
  const char* feature = "several instances (group mode)";
  std::vector<AccessNeed> out;
  for (AclOperation op : {AclOperation::kRead, AclOperation::kDescribe}) {
    out.push_back({Side::kTarget, op, AclResourceType::kGroup, id, false, feature});
  }
  out.push_back({Side::kTarget, AclOperation::kWrite, AclResourceType::kTransactionalId, id + ".",
                 false, feature, /*prefixed=*/true});
  return out;
}

Result<std::vector<MissingAccess>> FindMissingAccess(const config::FlowConfig& flow,
                                                     const FlowTopics& topics, kafka::Admin& source,
                                                     kafka::Admin& target,
                                                     const config::GroupConfig& group,
                                                     const TransactionProbe& probe) {
  std::vector<AccessNeed> source_needs, target_needs;
  for (const AccessNeed& n : FlowNeeds(flow, topics)) {
    (n.side == Side::kSource ? source_needs : target_needs).push_back(n);
  }
  if (group.enabled) {
    std::vector<AccessNeed> g = GroupNeeds(group, flow);
    target_needs.insert(target_needs.end(), g.begin(), g.end());
  }
  std::vector<MissingAccess> out;
  STRAIT_RETURN_IF_ERROR(CheckSide(source, source_needs, nullptr, &out));
  STRAIT_RETURN_IF_ERROR(CheckSide(target, target_needs, probe, &out));
  return out;
}

}  // namespace strait::replication
