#include "audit/cluster.h"

#include <algorithm>
#include <set>

namespace strait::audit {

std::string_view OriginName(Origin origin) {
  switch (origin) {
    case Origin::kCluster:
      return "cluster";
    case Origin::kOperatorFile:
      return "operator-file";
    case Origin::kUnknown:
      return "unknown";
  }
  return "unknown";
}

std::string_view ElrStateName(ElrState state) {
  switch (state) {
    case ElrState::kEnabled:
      return "enabled";
    case ElrState::kDisabled:
      return "disabled";
    case ElrState::kUnknown:
      return "unknown";
  }
  return "unknown";
}

int32_t Topic::ReplicationFactor() const {
  size_t rf = 0;
  for (const Partition& p : partitions) rf = std::max(rf, p.replicas.size());
  return static_cast<int32_t>(rf);
}

void ClusterDescription::AddNote(std::string note) {
  if (std::find(notes.begin(), notes.end(), note) == notes.end()) notes.push_back(std::move(note));
}

const Broker* ClusterDescription::FindBroker(BrokerId id) const {
  for (const Broker& b : brokers) {
    if (b.id == id) return &b;
  }
  return nullptr;
}

const Topic* ClusterDescription::FindTopic(std::string_view name) const {
  for (const Topic& t : topics) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string ClusterDescription::BrokerDc(BrokerId id) const {
  const Broker* b = FindBroker(id);
  return b != nullptr ? b->dc : std::string();
}

std::vector<std::string> ClusterDescription::BrokerDcs() const {
  std::set<std::string> dcs;
  for (const Broker& b : brokers) {
    if (!b.dc.empty()) dcs.insert(b.dc);
  }
  return {dcs.begin(), dcs.end()};
}

std::vector<std::string> ClusterDescription::Dcs() const {
  std::set<std::string> dcs;
  for (const std::string& dc : BrokerDcs()) dcs.insert(dc);
  for (const Controller& c : controllers) {
    if (!c.dc.empty()) dcs.insert(c.dc);
  }
  return {dcs.begin(), dcs.end()};
}

std::vector<BrokerId> ClusterDescription::BrokersIn(std::string_view dc) const {
  std::vector<BrokerId> ids;
  for (const Broker& b : brokers) {
    if (b.dc == dc) ids.push_back(b.id);
  }
  return ids;
}

std::vector<BrokerId> ClusterDescription::VotersIn(std::string_view dc) const {
  std::vector<BrokerId> ids;
  for (const Controller& v : controllers) {
    if (v.dc == dc) ids.push_back(v.id);
  }
  return ids;
}

std::vector<BrokerId> ClusterDescription::UnregisteredBrokers() const {
  std::vector<BrokerId> ids;
  for (const Broker& b : brokers) {
    if (!b.registered) ids.push_back(b.id);
  }
  return ids;
}

int32_t EffectiveMinIsr(const Topic& topic, const Partition& partition) {
  int32_t rf = static_cast<int32_t>(partition.replicas.size());
  return std::max(1, std::min(topic.min_isr, rf));
}

bool IsInternalTopicName(std::string_view name) { return name.substr(0, 2) == "__"; }

}  // namespace strait::audit
