// The flow's side of group mode (membership.h): which partitions this instance mirrors.
#include <algorithm>

#include "base/log.h"
#include "replication/flow.h"

namespace strait::replication {

const std::string* Flow::SourceTopicOf(const std::string& remote) const {
  for (const auto& [name, topic] : topic_sync_->topics()) {
    if (topic.remote == remote) return &name;
  }
  return nullptr;
}

bool Flow::Assigned(const RemoteTopic& topic, int32_t partition) const {
  return assigned_.count({topic.remote, partition}) != 0;
}

void Flow::RefreshMembership() {
  if (membership_ == nullptr) return;
  std::vector<std::string> remotes;
  for (const auto& [name, topic] : topic_sync_->topics()) {
    if (!topic.gone && topic.Ready()) remotes.push_back(topic.remote);
  }
  membership_->Refresh(target_admin_.get(), std::move(remotes));
}

bool Flow::OpenTransaction(const std::string& remote, int32_t partition) {
  Result<bool> none = membership_->NoOpenTransaction(target_admin_.get(), remote, partition);
  if (none.ok() && *none) return false;
  log::Debug("flow", "waiting for the target's open transaction before resuming",
             {{"flow", name_},
              {"remote", remote},
              {"partition", partition},
              {"error", none.ok() ? "" : none.status().message()}});
  return true;
}

void Flow::HandleRebalance() {
  Membership::Changes changes = membership_->Poll();
  if (!changes.assigned.empty()) {
    assigned_.insert(changes.assigned.begin(), changes.assigned.end());
    // No settling (Flow::Settle): the previous owner released them once committed, or, if
    // it was killed, they resume once its open transaction has ended.
    Reconcile();
  }
  auto let_go = [&](const std::vector<kafka::TopicPartition>& partitions, const char* why) {
    for (const kafka::TopicPartition& tp : partitions) {
      assigned_.erase(tp);
      const std::string* source = SourceTopicOf(tp.topic);
      if (source != nullptr && partitions_.Release(*source, tp.partition)) {
        data_->Post(StopPartition{{*source, tp.partition}, why});
      }
    }
  };
  let_go(changes.lost, "the group lost this instance's assignment");
  let_go(changes.revoked, "moved to another instance");
  revoking_.insert(revoking_.end(), changes.revoked.begin(), changes.revoked.end());
  revoking_.insert(revoking_.end(), changes.lost.begin(), changes.lost.end());
  if (revoking_.empty()) return;
  const bool released =
      std::none_of(revoking_.begin(), revoking_.end(), [&](const kafka::TopicPartition& tp) {
        const std::string* source = SourceTopicOf(tp.topic);
        return source != nullptr && partitions_.Find(*source, tp.partition) != nullptr;
      });
  if (!released) return;
  Status s = membership_->Release(revoking_);
  if (!s.ok()) {
    log::Warn("flow", "cannot hand partitions back to the group",
              {{"flow", name_}, {"error", s.message()}});
  }
  revoking_.clear();
}

}  // namespace strait::replication
