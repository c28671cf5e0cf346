// Helpers for the audit's unit tests: saved cluster descriptions from testdata/.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "audit/cluster.h"
#include "audit/cluster_json.h"
#include "audit/scenario.h"

namespace strait::audit::testing {

inline ClusterDescription LoadTestCluster(const std::string& name) {
  Result<ClusterDescription> c =
      LoadDescriptionFile(std::string(STRAIT_AUDIT_TESTDATA) + "/" + name);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? *c : ClusterDescription{};
}

inline const Scenario* FindScenario(const std::vector<Scenario>& all, const std::string& name) {
  for (const Scenario& s : all) {
    if (s.Name() == name) return &s;
  }
  return nullptr;
}

// Evaluates the standard scenario called `name`; fails the test if there is none.
inline ScenarioResult EvaluateNamed(const ClusterDescription& c, const std::string& name) {
  std::vector<Scenario> all = StandardScenarios(c);
  const Scenario* s = FindScenario(all, name);
  EXPECT_NE(s, nullptr) << "no scenario " << name;
  return s != nullptr ? Evaluate(c, *s) : ScenarioResult{};
}

inline PartitionClass ClassOf(const ScenarioResult& r, const std::string& topic, int32_t p) {
  const PartitionOutcome* o = r.Find(topic, p);
  EXPECT_NE(o, nullptr) << topic << "-" << p;
  return o != nullptr ? o->cls : PartitionClass::kOffline;
}

}  // namespace strait::audit::testing
