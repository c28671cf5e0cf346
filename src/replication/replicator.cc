#include "replication/replicator.h"

#include "base/log.h"

namespace strait::replication {

Replicator::Replicator(const config::Config& config) {
  for (const config::FlowConfig& f : config.flows) {
    if (!f.enabled) continue;
    configs_.push_back(f);
    flows_.push_back(std::make_unique<Flow>(config, f));
  }
  problems_ = AnalyzeTopology(config.flows);
  for (const TopologyProblem& p : problems_) {
    log::Error("topology", p.message, {{"problem", p.kind}});
  }
}

void Replicator::Start() {
  for (auto& f : flows_) f->Start();
}

void Replicator::Stop() {
  for (auto& f : flows_) f->RequestStop();
  for (auto& f : flows_) f->Join();
}

std::vector<FlowSnapshot> Replicator::Snapshots() const {
  std::vector<FlowSnapshot> out;
  for (const auto& f : flows_) out.push_back(f->Snapshot());
  return out;
}

bool Replicator::Healthy() const {
  for (const auto& f : flows_) {
    if (!f->Healthy()) return false;
  }
  return true;
}

}  // namespace strait::replication
