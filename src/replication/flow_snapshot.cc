#include "replication/flow_snapshot.h"

namespace strait::replication {

std::string_view FlowStateName(FlowState state) {
  switch (state) {
    case FlowState::kConnecting:
      return "connecting";
    case FlowState::kRunning:
      return "running";
    case FlowState::kStopping:
      return "stopping";
    case FlowState::kStopped:
      return "stopped";
    case FlowState::kPaused:
      return "paused";
  }
  return "unknown";
}

}  // namespace strait::replication
