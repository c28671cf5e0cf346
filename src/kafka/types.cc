#include "kafka/types.h"

namespace strait::kafka {

const TopicInfo* ClusterMetadata::FindTopic(const std::string& name) const {
  for (const TopicInfo& t : topics) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string_view GroupStateName(GroupState state) {
  switch (state) {
    case GroupState::kPreparingRebalance:
      return "PreparingRebalance";
    case GroupState::kCompletingRebalance:
      return "CompletingRebalance";
    case GroupState::kStable:
      return "Stable";
    case GroupState::kDead:
      return "Dead";
    case GroupState::kEmpty:
      return "Empty";
    case GroupState::kUnknown:
      break;
  }
  return "Unknown";
}

}  // namespace strait::kafka
