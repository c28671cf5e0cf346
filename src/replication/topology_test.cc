#include "replication/topology.h"

#include <gtest/gtest.h>

namespace strait::replication {
namespace {

using config::FlowConfig;
using config::Forward;
using config::Naming;

FlowConfig Flow(std::string source, std::string target, Naming naming = Naming::kIdentity,
                Forward forward = Forward::kAll, bool provenance = true) {
  FlowConfig f;
  f.source = std::move(source);
  f.target = std::move(target);
  f.naming = naming;
  f.forward = forward;
  f.provenance_headers = provenance;
  return f;
}

std::vector<FlowConfig> Mesh(Forward forward) {
  std::vector<FlowConfig> out;
  for (std::string a : {"dc1", "dc2", "dc3"}) {
    for (std::string b : {"dc1", "dc2", "dc3"}) {
      if (a != b) out.push_back(Flow(a, b, Naming::kIdentity, forward));
    }
  }
  return out;
}

std::vector<std::string> Kinds(const std::vector<TopologyProblem>& problems) {
  std::vector<std::string> out;
  for (const TopologyProblem& p : problems) out.push_back(p.kind);
  return out;
}

TEST(Topology, ActiveActivePairWithProvenanceIsFine) {
  EXPECT_TRUE(AnalyzeTopology({Flow("dc1", "dc2"), Flow("dc2", "dc1")}).empty());
}

TEST(Topology, FullMeshForwardingEverythingDeliversTwice) {
  std::vector<TopologyProblem> problems = AnalyzeTopology(Mesh(Forward::kAll));
  ASSERT_EQ(problems.size(), 6u);  // each origin reaches each of the two others twice
  EXPECT_EQ(problems[0].kind, "duplicate-path");
  EXPECT_EQ(problems[0].message,
            "records produced on dc1 reach dc2 along 2 paths (dc1 -> dc2; dc1 -> dc3 -> dc2) and "
            "are written once per path; set forward: local on dc3->dc2");
}

TEST(Topology, FullMeshForwardingLocalRecordsIsFine) {
  EXPECT_TRUE(AnalyzeTopology(Mesh(Forward::kLocal)).empty());
}

TEST(Topology, ChainAndAggregateAreFine) {
  EXPECT_TRUE(AnalyzeTopology({Flow("dc1", "dc2"), Flow("dc2", "dc3")}).empty());
  EXPECT_TRUE(
      AnalyzeTopology({Flow("dc1", "agg"), Flow("dc2", "agg"), Flow("dc3", "agg")}).empty());
}

TEST(Topology, PrefixNamingNeverLoopsOrDuplicates) {
  std::vector<FlowConfig> flows;
  for (FlowConfig f : Mesh(Forward::kAll)) {
    f.naming = Naming::kPrefix;
    f.provenance_headers = false;
    flows.push_back(f);
  }
  EXPECT_TRUE(AnalyzeTopology(flows).empty());
}

TEST(Topology, IdentityCycleWithoutProvenanceLoops) {
  std::vector<TopologyProblem> problems =
      AnalyzeTopology({Flow("dc1", "dc2", Naming::kIdentity, Forward::kAll, /*provenance=*/false),
                       Flow("dc2", "dc1")});
  ASSERT_EQ(Kinds(problems), (std::vector<std::string>{"loop"}));
  EXPECT_EQ(
      problems[0].message,
      "the identity-named flows dc1 -> dc2 -> dc1 form a cycle and dc1->dc2 writes no "
      "provenance header (provenance.headers: false): its records are not recognised when "
      "they come back, and go round for ever; turn provenance.headers on or use naming: prefix");
}

TEST(Topology, FanInWithoutProvenanceConflicts) {
  std::vector<TopologyProblem> problems =
      AnalyzeTopology({Flow("dc1", "agg", Naming::kIdentity, Forward::kAll, /*provenance=*/false),
                       Flow("dc2", "agg")});
  ASSERT_EQ(Kinds(problems), (std::vector<std::string>{"conflict"}));
  EXPECT_EQ(problems[0].message,
            "dc1->agg writes identity-named topics on agg without provenance (provenance.headers: "
            "false), and dc2->agg write the same names there: records from different origins in "
            "one partition cannot be told apart; turn provenance.headers on");
}

TEST(Topology, DisabledFlowsAreNotEdges) {
  std::vector<FlowConfig> flows = Mesh(Forward::kAll);
  for (FlowConfig& f : flows) f.enabled = f.source == "dc1" || f.target == "dc1";
  // Only the dc1 <-> dc2, dc1 <-> dc3 spokes remain: one path between any two clusters.
  EXPECT_TRUE(AnalyzeTopology(flows).empty());
}

}  // namespace
}  // namespace strait::replication
