#include "replication/replicator.h"

#include <algorithm>

#include "base/log.h"

namespace strait::replication {

Replicator::Replicator(const config::Config& config) {
  for (const config::FlowConfig& f : config.flows) {
    if (!f.enabled) continue;
    configs_.push_back(f);
    flows_.push_back(std::make_unique<Flow>(config, f));
  }
  SetTopology(config.flows);
}

void Replicator::SetTopology(const std::vector<config::FlowConfig>& flows) {
  std::vector<TopologyProblem> problems = AnalyzeTopology(flows);
  for (const TopologyProblem& p : problems) {
    log::Error("topology", p.message, {{"problem", p.kind}});
  }
  std::lock_guard lock(mu_);
  problems_ = std::move(problems);
}

void Replicator::StopFlows(const std::vector<std::string>& names) {
  std::vector<Flow*> stopping;
  {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < flows_.size(); ++i) {
      if (std::find(names.begin(), names.end(), configs_[i].Name()) == names.end()) continue;
      flows_[i]->RequestStop();
      stopping.push_back(flows_[i].get());
    }
  }
  // Reports go on meanwhile and show these flows "stopping" until they have drained.
  for (Flow* f : stopping) f->Join();
  std::lock_guard lock(mu_);
  for (size_t i = flows_.size(); i-- > 0;) {
    if (std::find(stopping.begin(), stopping.end(), flows_[i].get()) == stopping.end()) continue;
    flows_.erase(flows_.begin() + static_cast<std::ptrdiff_t>(i));
    configs_.erase(configs_.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

void Replicator::AddFlow(const config::Config& config, const config::FlowConfig& flow,
                         bool paused) {
  auto f = std::make_unique<Flow>(config, flow);
  if (paused) {
    f->MarkPaused();
  } else {
    f->Start();
  }
  std::lock_guard lock(mu_);
  configs_.push_back(flow);
  flows_.push_back(std::move(f));
}

void Replicator::Start() {
  for (auto& f : flows_) f->Start();
}

void Replicator::Stop() {
  for (auto& f : flows_) f->RequestStop();
  for (auto& f : flows_) f->Join();
}

Replicator::Flows Replicator::Capture() const {
  std::lock_guard lock(mu_);
  return {SnapshotsLocked(), configs_, problems_};
}

std::vector<FlowSnapshot> Replicator::Snapshots() const {
  std::lock_guard lock(mu_);
  return SnapshotsLocked();
}

std::vector<FlowSnapshot> Replicator::SnapshotsLocked() const {
  std::vector<FlowSnapshot> out;
  for (const auto& f : flows_) out.push_back(f->Snapshot());
  return out;
}

bool Replicator::Healthy() const {
  std::lock_guard lock(mu_);
  for (const auto& f : flows_) {
    if (!f->Healthy()) return false;
  }
  return true;
}

}  // namespace strait::replication
