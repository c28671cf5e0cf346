// A flow's share of its partitions when several `strait run` processes run it
// (config::GroupConfig): a member of the consumer group "<prefix><source>.<target>" on the
// flow's target, subscribed to the flow's remote topics with librdkafka's cooperative-sticky
// assignor, so that a rebalance moves only the partitions that change owner and never stops
// the others. It never reads records (its partitions are paused): its assignment is the list
// of remote partitions this instance mirrors.
//
// A revoke is acknowledged only when the caller says the partitions are released (nothing in
// flight, DataEvent::kReleased): the group gives them to their new owner only then.
//
// Each member's client.id is "strait/<instance.id>/<flow fingerprint>": every round, the
// group's members are read from its coordinator, and an instance whose flow definition
// differs from the group's (config::FlowFingerprint) is refused before it joins; a second
// member with the same instance.id is reported.
//
// Not thread-safe: owned and called by the flow's control thread, which also serves the
// group's callbacks in Poll().
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "config/config.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"

namespace strait::replication {

struct GroupMemberStatus {
  std::string instance_id;
  std::string member_id;
  std::string host;
  bool same_definition = true;
  bool self = false;
  std::vector<kafka::TopicPartition> partitions;  // remote partitions
};

// What /status shows of the group.
struct GroupStatus {
  std::string group_id;
  std::string instance_id;
  std::string member_id;
  int32_t generation = -1;
  int64_t rebalances = 0;
  int64_t last_rebalance_ms = 0;
  std::vector<GroupMemberStatus> members;
  std::string error;  // a refused definition, a twin, a group that cannot be read
};

// The client.id a member of a flow's group carries, and what is read back from one.
std::string MemberClientId(const std::string& instance_id, uint64_t fingerprint);
struct MemberIdentity {
  std::string instance_id;
  uint64_t fingerprint = 0;
};
std::optional<MemberIdentity> ParseMemberClientId(const std::string& client_id);
std::string GroupIdOf(const config::GroupConfig& group, const config::FlowConfig& flow);
// The transactional id of this instance's writes for the flow.
std::string TransactionalIdOf(const config::GroupConfig& group, const config::FlowConfig& flow);

// What the group's members say to this instance (pure, for ReadMembers): each member with
// its instance id and whether its flow definition is this one's, and the first problem
// (another definition, another process with this instance id), empty when none.
struct MemberCheck {
  std::vector<GroupMemberStatus> members;
  std::string error;
  bool other_definition = false;
};
MemberCheck CheckMembers(const std::vector<kafka::GroupMember>& members, const GroupStatus& self,
                         uint64_t fingerprint, bool joined);

class Membership {
 public:
  struct Changes {
    std::vector<kafka::TopicPartition> assigned;
    std::vector<kafka::TopicPartition> revoked;  // to Release() once let go
    // Already another member's: stop writing at once; Release() them too once let go.
    std::vector<kafka::TopicPartition> lost;
  };

  static Result<std::unique_ptr<Membership>> Create(const config::ClusterConfig& target,
                                                    const config::GroupConfig& group,
                                                    const config::FlowConfig& flow);
  // Leaves the group; its partitions move to the other members.
  ~Membership();

  // Before it joined: reads the group's members, and says whether this instance may take
  // part (no member runs another definition of the flow). Once joined: true.
  bool Admitted(kafka::Admin* admin);
  // Reads the group's members and, unless an instance with another flow definition is in
  // it, subscribes to `remote_topics` (again when they changed).
  void Refresh(kafka::Admin* admin, std::vector<std::string> remote_topics);
  // Serves the group's callbacks; returns what changed since the last call.
  Changes Poll();
  // Acknowledges a revoke once the partitions are released.
  Status Release(const std::vector<kafka::TopicPartition>& partitions);

  const GroupStatus& status() const { return status_; }
  // The member itself: its group metadata goes with each transaction's offsets
  // (DataPathOptions::group), and its read_committed offset queries see the last stable
  // offset (NoOpenTransaction).
  kafka::Consumer* consumer() const { return consumer_.get(); }
  // False while a transaction open when the partition was assigned is still open on the
  // remote partition: its last stable offset is behind the high watermark the first call
  // after the assignment read through `admin`. What a former owner wrote is committed or
  // aborted first, within the transaction timeout. Transactions begun later are not waited
  // for: with identity naming the target's own applications may keep one open at every
  // moment, and the partition would never resume.
  Result<bool> NoOpenTransaction(kafka::Admin* admin, const std::string& topic, int32_t partition);

 private:
  Membership(std::string group_id, std::string instance_id, uint64_t fingerprint)
      : fingerprint_(fingerprint) {
    status_.group_id = std::move(group_id);
    status_.instance_id = std::move(instance_id);
  }
  void OnRebalance(const kafka::RebalanceEvent& event);
  // Fills status_.members; returns the error a member's definition or id makes.
  std::string ReadMembers(kafka::Admin* admin);
  // Of `wanted` (sorted): the topics subscribed to already, and the new ones the member's
  // metadata lists with a leader for every partition.
  std::vector<std::string> Listed(const std::vector<std::string>& wanted);

  const uint64_t fingerprint_;
  std::unique_ptr<kafka::Consumer> consumer_;
  std::vector<std::string> subscribed_;
  bool other_definition_ = false;  // a member runs another definition of the flow
  Changes pending_;
  // Per partition waiting to resume: the high watermark when it was assigned (what any
  // transaction open then has written lies below it). Forgotten at every rebalance of it.
  std::map<kafka::TopicPartition, int64_t> open_below_;
  GroupStatus status_;
};

}  // namespace strait::replication
