// The replication graph of a config: clusters as nodes, flows as edges, and what in its
// shape would make records loop or arrive twice. Pure functions over the config; the live
// figures per edge are added by the Replicator (/status) and `strait status`.
//
// What is checked (flows that are enabled; topic filters are not considered, so a finding
// says what *can* happen to topics that more than one flow mirrors):
//  - loop: a cycle of identity-named flows in which some flow writes no provenance header.
//    Provenance is how strait recognises a record that has been on a cluster before; without
//    it, identical names let a record go round the cycle for ever. With prefix naming the
//    names break the cycle (dc1.orders is never mirrored back to dc1).
//  - duplicate-path: records produced on one cluster reach another along two or more paths
//    of identity-named flows (the full mesh dc1, dc2, dc3 with `forward: all`): each path
//    delivers its own copy. Fixed by `forward: local` on the flows that pass records on.
//  - conflict: two flows from different sources write the same identity-named topic on one
//    target and one of them writes no provenance: the target partitions mix records from
//    two origins that cannot be told apart, so neither resume nor translation can be exact.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace strait::replication {

struct TopologyProblem {
  std::string kind;      // loop | duplicate-path | conflict
  std::string severity;  // error: records would loop, be duplicated or become ambiguous
  std::string message;   // names the flows involved and the fix
};

std::vector<TopologyProblem> AnalyzeTopology(const std::vector<config::FlowConfig>& flows);

// "prefix" / "identity", "all" / "local": as written in the config.
const char* NamingName(config::Naming naming);
const char* ForwardName(config::Forward forward);

}  // namespace strait::replication
