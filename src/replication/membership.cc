#include "replication/membership.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "base/clock.h"
#include "base/log.h"

namespace strait::replication {
namespace {

using namespace std::chrono_literals;

constexpr char kClientIdPrefix[] = "strait/";

}  // namespace

std::string MemberClientId(const std::string& instance_id, uint64_t fingerprint) {
  return fmt::format("{}{}/{:016x}", kClientIdPrefix, instance_id, fingerprint);
}

std::optional<MemberIdentity> ParseMemberClientId(const std::string& client_id) {
  if (!client_id.starts_with(kClientIdPrefix)) return std::nullopt;
  const size_t slash = client_id.rfind('/');
  const size_t start = sizeof(kClientIdPrefix) - 1;
  if (slash < start || client_id.size() - slash - 1 != 16) return std::nullopt;
  MemberIdentity out;
  out.instance_id = client_id.substr(start, slash - start);
  try {
    out.fingerprint = std::stoull(client_id.substr(slash + 1), nullptr, 16);
  } catch (...) {
    return std::nullopt;
  }
  return out;
}

std::string GroupIdOf(const config::GroupConfig& group, const config::FlowConfig& flow) {
  return fmt::format("{}{}.{}", group.prefix, flow.source, flow.target);
}

std::string TransactionalIdOf(const config::GroupConfig& group, const config::FlowConfig& flow) {
  return fmt::format("{}{}.{}.{}", group.prefix, flow.source, flow.target, group.instance_id);
}

Result<bool> Membership::NoOpenTransaction(kafka::Admin* admin, const std::string& topic,
                                           int32_t partition) {
  const kafka::TopicPartition tp{topic, partition};
  auto below = open_below_.find(tp);
  if (below == open_below_.end()) {
    STRAIT_ASSIGN_OR_RETURN(kafka::Watermarks high, admin->QueryWatermarks(topic, partition, 10s));
    below = open_below_.emplace(tp, high.high).first;
  }
  // The member's read_committed query answers the last stable offset as its high mark.
  STRAIT_ASSIGN_OR_RETURN(kafka::Watermarks stable,
                          consumer_->QueryWatermarks(topic, partition, 10s));
  if (stable.high < below->second) return false;
  open_below_.erase(below);
  return true;
}

Result<std::unique_ptr<Membership>> Membership::Create(const config::ClusterConfig& target,
                                                       const config::GroupConfig& group,
                                                       const config::FlowConfig& flow) {
  const uint64_t fingerprint = config::FlowFingerprint(flow);
  std::unique_ptr<Membership> m(
      new Membership(GroupIdOf(group, flow), group.instance_id, fingerprint));
  kafka::Properties props = target.ConsumerProperties();
  const int64_t session = group.session_timeout.count();
  const kafka::Properties own = {
      {"group.id", m->status_.group_id},
      {"client.id", MemberClientId(group.instance_id, fingerprint)},
      {"partition.assignment.strategy", "cooperative-sticky"},
      {"session.timeout.ms", std::to_string(session)},
      {"heartbeat.interval.ms", std::to_string(std::max<int64_t>(100, session / 6))},
      {"enable.auto.commit", "false"},
      {"enable.partition.eof", "false"},
      {"auto.offset.reset", "latest"},
      {"isolation.level", "read_committed"},
      // It reads nothing: what fetching happens before its partitions are paused stays small.
      {"max.partition.fetch.bytes", "1024"}};
  props.insert(props.end(), own.begin(), own.end());
  kafka::ConsumerOptions options;
  options.client = {flow.Name() + "/group", props, {}};
  options.defer_revoke = true;
  options.on_rebalance = [raw = m.get()](const kafka::RebalanceEvent& e) { raw->OnRebalance(e); };
  STRAIT_ASSIGN_OR_RETURN(m->consumer_, kafka::Consumer::Create(std::move(options)));
  return m;
}

Membership::~Membership() {
  // Closing serves a last revoke, which OnRebalance records: before the members go.
  if (consumer_ != nullptr) consumer_->Close().IgnoreError();
}

void Membership::OnRebalance(const kafka::RebalanceEvent& event) {
  ++status_.rebalances;
  for (const kafka::TopicPartition& tp : event.partitions) open_below_.erase(tp);
  status_.last_rebalance_ms = NowMs();
  switch (event.kind) {
    case kafka::RebalanceKind::kAssigned: {
      Status paused = consumer_->Pause(event.partitions);
      if (!paused.ok()) {
        log::Warn("group", "cannot pause the group's partitions",
                  {{"group", status_.group_id}, {"error", paused.message()}});
      }
      pending_.assigned.insert(pending_.assigned.end(), event.partitions.begin(),
                               event.partitions.end());
      break;
    }
    case kafka::RebalanceKind::kRevoked:
      pending_.revoked.insert(pending_.revoked.end(), event.partitions.begin(),
                              event.partitions.end());
      break;
    case kafka::RebalanceKind::kLost:
      pending_.lost.insert(pending_.lost.end(), event.partitions.begin(), event.partitions.end());
      break;
  }
  // Every rebalance ends with an incremental assignment, often of nothing: not worth a line.
  if (event.partitions.empty()) return;
  log::Info("group", "rebalance",
            {{"group", status_.group_id},
             {"kind", event.kind == kafka::RebalanceKind::kAssigned  ? "assigned"
                      : event.kind == kafka::RebalanceKind::kRevoked ? "revoked"
                                                                     : "lost"},
             {"partitions", static_cast<int64_t>(event.partitions.size())}});
}

Membership::Changes Membership::Poll() {
  std::vector<kafka::Message> ignored;
  consumer_->PollBatch(0ms, 256, &ignored);
  status_.generation = consumer_->GroupGeneration();
  status_.member_id = consumer_->MemberId();
  return std::exchange(pending_, {});
}

Status Membership::Release(const std::vector<kafka::TopicPartition>& partitions) {
  return consumer_->IncrementalUnassign(partitions);
}

bool Membership::Admitted(kafka::Admin* admin) {
  if (!subscribed_.empty()) return true;
  const std::string error = ReadMembers(admin);
  if (error != status_.error && !error.empty()) {
    log::Error("group", error, {{"group", status_.group_id}});
  }
  status_.error = error;
  return !other_definition_;
}

void Membership::Refresh(kafka::Admin* admin, std::vector<std::string> remote_topics) {
  const std::string error = ReadMembers(admin);
  if (error != status_.error && !error.empty()) {
    log::Error("group", error, {{"group", status_.group_id}});
  }
  status_.error = error;
  std::sort(remote_topics.begin(), remote_topics.end());
  if (remote_topics == subscribed_ || remote_topics.empty()) return;
  // An instance with another definition is refused before it joins: it would split the
  // partitions of topics it should not mirror, or mirror them differently.
  if (other_definition_ && subscribed_.empty()) return;
  std::vector<std::string> topics = Listed(remote_topics);
  if (topics == subscribed_ || topics.empty()) return;
  Status s = consumer_->Subscribe(topics);
  if (!s.ok()) {
    status_.error = s.message();
    return;
  }
  subscribed_ = std::move(topics);
}

// librdkafka takes a new subscription's topics from the member's cached metadata. A remote
// topic strait has just created may not be in it yet (the broker that answered had not
// applied the creation): librdkafka then leaves the topic out of what it asks the group to
// assign, and looks again only after topic.metadata.refresh.interval.ms (5 minutes by
// default), so its partitions had no owner that long. Reading the metadata first, on the
// member's own handle, fills that cache; a topic not listed yet is subscribed to at a later
// refresh.
std::vector<std::string> Membership::Listed(const std::vector<std::string>& wanted) {
  auto subscribed = [&](const std::string& t) {
    return std::binary_search(subscribed_.begin(), subscribed_.end(), t);
  };
  if (std::all_of(wanted.begin(), wanted.end(), subscribed)) return wanted;
  Result<kafka::ClusterMetadata> metadata = consumer_->Metadata(10s);
  std::set<std::string> listed;
  if (metadata.ok()) {
    for (const kafka::TopicInfo& t : metadata->topics) {
      const bool led = t.error.ok() && !t.partitions.empty() &&
                       std::all_of(t.partitions.begin(), t.partitions.end(),
                                   [](const kafka::PartitionInfo& p) { return p.leader >= 0; });
      if (led) listed.insert(t.name);
    }
  } else {
    log::Warn("group", "cannot read the target's metadata before subscribing",
              {{"group", status_.group_id}, {"error", metadata.status().message()}});
  }
  std::vector<std::string> out;
  for (const std::string& t : wanted) {
    if (subscribed(t) || listed.count(t) != 0) {
      out.push_back(t);
    } else {
      log::Debug("group", "new remote topic not in the target's metadata yet; subscribing later",
                 {{"group", status_.group_id}, {"topic", t}});
    }
  }
  return out;
}

MemberCheck CheckMembers(const std::vector<kafka::GroupMember>& members, const GroupStatus& self,
                         uint64_t fingerprint, bool joined) {
  MemberCheck out;
  for (const kafka::GroupMember& m : members) {
    GroupMemberStatus member;
    member.member_id = m.member_id;
    member.host = m.host;
    member.partitions = m.assignment;
    member.self = !self.member_id.empty() && m.member_id == self.member_id;
    std::optional<MemberIdentity> id = ParseMemberClientId(m.client_id);
    member.instance_id = id ? id->instance_id : m.client_id;
    member.same_definition = id && id->fingerprint == fingerprint;
    out.other_definition |= !member.same_definition;
    if (!member.same_definition && out.error.empty()) {
      out.error = fmt::format(
          "instance {} ({}) in group {} runs a different definition of this flow: give every "
          "instance the same flows (topics, naming, forward, provenance.headers, start.offset); "
          "{}",
          member.instance_id, m.host, self.group_id,
          joined ? "instances that join later are kept out"
                 : "this instance stays out of the group until they agree");
    }
    if (!member.self && id && id->instance_id == self.instance_id && out.error.empty()) {
      out.error = fmt::format(
          "another member of group {} ({}) has this instance's instance.id {}: a second process "
          "with the same group.instance.id, or this one's predecessor until its session times "
          "out",
          self.group_id, m.host, self.instance_id);
    }
    out.members.push_back(std::move(member));
  }
  return out;
}

std::string Membership::ReadMembers(kafka::Admin* admin) {
  Result<std::vector<kafka::GroupDescription>> groups =
      admin->DescribeConsumerGroups({status_.group_id}, 10s);
  if (!groups.ok()) {
    return fmt::format("cannot read group {}: {}", status_.group_id, groups.status().message());
  }
  MemberCheck check =
      CheckMembers(groups->empty() ? std::vector<kafka::GroupMember>{} : groups->front().members,
                   status_, fingerprint_, !subscribed_.empty());
  status_.members = std::move(check.members);
  other_definition_ = check.other_definition;
  return check.error;
}

}  // namespace strait::replication
