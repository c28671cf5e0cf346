#include "replication/topology.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>

namespace strait::replication {
namespace {

using config::FlowConfig;
using Path = std::vector<const FlowConfig*>;

// Identity-named flows by source: the only edges along which a record keeps its topic.
std::map<std::string, std::vector<const FlowConfig*>> IdentityEdges(
    const std::vector<FlowConfig>& flows) {
  std::map<std::string, std::vector<const FlowConfig*>> out;
  for (const FlowConfig& f : flows) {
    if (f.enabled && f.naming == config::Naming::kIdentity) out[f.source].push_back(&f);
  }
  return out;
}

std::string Describe(const Path& path) {
  std::string out = path.front()->source;
  for (const FlowConfig* f : path) out += " -> " + f->target;
  return out;
}

// Every simple path of identity edges from `origin`, as a record produced there travels:
// the first flow copies it because it is local, each further flow only if it forwards
// records from elsewhere. Visited clusters are skipped, as provenance makes the data path
// skip them. Bounded, since a big mesh has factorially many paths.
void Walk(const std::map<std::string, std::vector<const FlowConfig*>>& edges, const std::string& at,
          Path& path, std::set<std::string>& visited,
          std::map<std::string, std::vector<Path>>* reached) {
  auto it = edges.find(at);
  if (it == edges.end()) return;
  for (const FlowConfig* f : it->second) {
    if (visited.count(f->target) != 0) continue;
    if (!path.empty() && (f->forward == config::Forward::kLocal || !f->provenance_headers)) {
      continue;
    }
    path.push_back(f);
    std::vector<Path>& to = (*reached)[f->target];
    if (to.size() < 8) to.push_back(path);
    visited.insert(f->target);
    Walk(edges, f->target, path, visited, reached);
    visited.erase(f->target);
    path.pop_back();
  }
}

void FindDuplicatePaths(const std::map<std::string, std::vector<const FlowConfig*>>& edges,
                        std::vector<TopologyProblem>* out) {
  for (const auto& [origin, _] : edges) {
    std::map<std::string, std::vector<Path>> reached;
    Path path;
    std::set<std::string> visited = {origin};
    Walk(edges, origin, path, visited, &reached);
    for (const auto& [target, paths] : reached) {
      if (paths.size() < 2) continue;
      std::vector<std::string> described, passers;
      for (const Path& p : paths) {
        described.push_back(Describe(p));
        for (size_t i = 1; i < p.size(); ++i) passers.push_back(p[i]->Name());
      }
      std::sort(passers.begin(), passers.end());
      passers.erase(std::unique(passers.begin(), passers.end()), passers.end());
      out->push_back({"duplicate-path", "error",
                      fmt::format("records produced on {} reach {} along {} paths ({}) and are "
                                  "written once per path; set forward: local on {}",
                                  origin, target, paths.size(), fmt::join(described, "; "),
                                  fmt::join(passers, ", "))});
    }
  }
}

// A path of identity edges from `from` to `to`, or empty.
Path FindPath(const std::map<std::string, std::vector<const FlowConfig*>>& edges,
              const std::string& from, const std::string& to) {
  std::map<std::string, const FlowConfig*> via;  // BFS tree: cluster -> flow reaching it
  std::vector<std::string> frontier = {from};
  std::set<std::string> seen = {from};
  while (!frontier.empty() && seen.count(to) == 0) {
    std::vector<std::string> next;
    for (const std::string& at : frontier) {
      auto it = edges.find(at);
      if (it == edges.end()) continue;
      for (const FlowConfig* f : it->second) {
        if (!seen.insert(f->target).second) continue;
        via[f->target] = f;
        next.push_back(f->target);
      }
    }
    frontier = std::move(next);
  }
  Path path;
  if (seen.count(to) == 0 || from == to) return path;
  for (std::string at = to; at != from; at = via[at]->source) path.push_back(via[at]);
  std::reverse(path.begin(), path.end());
  return path;
}

void FindLoops(const std::map<std::string, std::vector<const FlowConfig*>>& edges,
               std::vector<TopologyProblem>* out) {
  for (const auto& [source, flows] : edges) {
    for (const FlowConfig* f : flows) {
      if (f->provenance_headers) continue;
      Path back = FindPath(edges, f->target, f->source);
      if (back.empty()) continue;
      Path cycle = {f};
      cycle.insert(cycle.end(), back.begin(), back.end());
      out->push_back({"loop", "error",
                      fmt::format("the identity-named flows {} form a cycle and {} writes no "
                                  "provenance header (provenance.headers: false): its records "
                                  "are not recognised when they come back, and go round for ever; "
                                  "turn provenance.headers on or use naming: prefix",
                                  Describe(cycle), f->Name())});
    }
  }
}

void FindConflicts(const std::vector<FlowConfig>& flows, std::vector<TopologyProblem>* out) {
  std::map<std::string, std::vector<const FlowConfig*>> into;
  for (const FlowConfig& f : flows) {
    if (f.enabled && f.naming == config::Naming::kIdentity) into[f.target].push_back(&f);
  }
  for (const auto& [target, writers] : into) {
    if (writers.size() < 2) continue;
    for (const FlowConfig* f : writers) {
      if (f->provenance_headers) continue;
      std::vector<std::string> others;
      for (const FlowConfig* w : writers) {
        if (w != f) others.push_back(w->Name());
      }
      out->push_back({"conflict", "error",
                      fmt::format("{} writes identity-named topics on {} without provenance "
                                  "(provenance.headers: false), and {} write the same names "
                                  "there: records from different origins in one partition "
                                  "cannot be told apart; turn provenance.headers on",
                                  f->Name(), target, fmt::join(others, ", "))});
    }
  }
}

}  // namespace

std::vector<TopologyProblem> AnalyzeTopology(const std::vector<FlowConfig>& flows) {
  std::vector<TopologyProblem> out;
  auto edges = IdentityEdges(flows);
  FindLoops(edges, &out);
  FindDuplicatePaths(edges, &out);
  FindConflicts(flows, &out);
  return out;
}

const char* NamingName(config::Naming naming) {
  return naming == config::Naming::kPrefix ? "prefix" : "identity";
}

const char* ForwardName(config::Forward forward) {
  return forward == config::Forward::kAll ? "all" : "local";
}

}  // namespace strait::replication
