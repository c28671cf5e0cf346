#include "offsets/group_commit.h"

#include <map>
#include <utility>

namespace strait::offsets {

CommitPlan PlanCommit(const std::vector<kafka::TopicPartitionOffset>& current,
                      const std::vector<kafka::TopicPartitionOffset>& wanted, bool allow_rewind) {
  std::map<std::pair<std::string, int32_t>, int64_t> now;
  for (const kafka::TopicPartitionOffset& o : current) {
    if (o.error.ok() && o.offset >= 0) now[{o.topic, o.partition}] = o.offset;
  }
  CommitPlan plan;
  for (const kafka::TopicPartitionOffset& w : wanted) {
    auto it = now.find({w.topic, w.partition});
    if (it == now.end() || it->second < w.offset) {
      plan.commit.push_back(w);
    } else if (it->second > w.offset) {
      if (allow_rewind) {
        plan.commit.push_back(w);
      } else {
        plan.kept.push_back({w.topic, w.partition, it->second, w.offset});
      }
    }
  }
  return plan;
}

Result<CommitResult> CommitToIdleGroup(kafka::Admin& admin, const std::string& group,
                                       const std::vector<kafka::TopicPartitionOffset>& wanted,
                                       bool allow_rewind, std::chrono::milliseconds timeout) {
  STRAIT_ASSIGN_OR_RETURN(std::vector<kafka::GroupDescription> described,
                          admin.DescribeConsumerGroups({group}, timeout));
  CommitResult result;
  if (!described.empty() && !described[0].members.empty()) {
    result.active_members = described[0].members.size();
    return result;
  }
  STRAIT_ASSIGN_OR_RETURN(std::vector<kafka::TopicPartitionOffset> current,
                          admin.ListConsumerGroupOffsets(group, {}, timeout));
  result.plan = PlanCommit(current, wanted, allow_rewind);
  if (result.plan.commit.empty()) return result;
  STRAIT_ASSIGN_OR_RETURN(std::vector<kafka::TopicPartitionOffset> committed,
                          admin.AlterConsumerGroupOffsets(group, result.plan.commit, timeout));
  for (const kafka::TopicPartitionOffset& o : committed) {
    if (!o.error.ok()) return o.error;
  }
  return result;
}

}  // namespace strait::offsets
