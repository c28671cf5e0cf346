#include "audit/operator_file.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "audit/cluster_json.h"
#include "audit/yaml_input.h"

namespace strait::audit {
namespace {

using internal::FileReader;

// A map of broker or controller id -> DC.
void ParseDcMap(FileReader& r, const YAML::Node& node, const char* key,
                std::map<BrokerId, std::string>* out) {
  if (!node.IsDefined() || !r.ExpectMap(node, key)) return;
  for (const auto& kv : node) {
    int64_t id = 0;
    std::string dc;
    if (!r.ValueInt(kv.first, key, 0, INT32_MAX, &id)) continue;
    std::string path = fmt::format("{}.{}", key, id);
    if (!r.ValueString(kv.second, path, &dc)) continue;
    if (dc.empty()) {
      r.Error(kv.second, path, "expected a datacenter name");
      continue;
    }
    (*out)[static_cast<BrokerId>(id)] = dc;
  }
}

void ParseElrMap(FileReader& r, const YAML::Node& node, OperatorFile* f) {
  if (!node.IsDefined() || !r.ExpectMap(node, "elr")) return;
  for (const auto& topic : node) {
    std::string name;
    if (!r.ValueString(topic.first, "elr", &name)) continue;
    std::string path = "elr." + name;
    if (!r.ExpectMap(topic.second, path)) continue;
    for (const auto& part : topic.second) {
      int64_t id = 0;
      std::vector<BrokerId> ids;
      if (!r.ValueInt(part.first, path, 0, INT32_MAX, &id)) continue;
      if (r.ValueIds(part.second, fmt::format("{}.{}", path, id), &ids)) {
        f->elr[name][static_cast<int32_t>(id)] = std::move(ids);
      }
    }
  }
}

void ApplyControllers(const OperatorFile& f, ClusterDescription* c) {
  if (f.controllers.empty()) return;
  if (c->controllers.empty()) {
    for (const auto& [id, dc] : f.controllers) {
      c->controllers.push_back({id, dc, Origin::kOperatorFile});
    }
    c->voters_origin = Origin::kOperatorFile;
    c->AddNote(fmt::format("the voters and their DCs come from the operator file {}", f.path));
    return;
  }
  for (Controller& v : c->controllers) {
    auto it = f.controllers.find(v.id);
    if (it == f.controllers.end()) continue;
    if (v.dc.empty()) {
      v.dc = it->second;
      v.dc_origin = Origin::kOperatorFile;
    } else if (v.dc != it->second) {
      c->AddNote(
          fmt::format("the operator file puts controller {} in {}, the cluster "
                      "in {}: the audit uses {}",
                      v.id, it->second, v.dc, v.dc));
    }
  }
  for (const auto& [id, dc] : f.controllers) {
    bool voter = false;
    for (const Controller& v : c->controllers) voter = voter || v.id == id;
    if (!voter) {
      c->AddNote(
          fmt::format("controller {} in the operator file is not a voter of the "
                      "quorum: ignored",
                      id));
    }
  }
  c->AddNote(fmt::format("controller DCs come from the operator file {}", f.path));
}

void ApplyBrokers(const OperatorFile& f, ClusterDescription* c) {
  std::vector<BrokerId> used;
  for (Broker& b : c->brokers) {
    auto it = f.brokers.find(b.id);
    if (it == f.brokers.end()) continue;
    if (b.dc.empty()) {
      b.dc = it->second;
      b.dc_origin = Origin::kOperatorFile;
      used.push_back(b.id);
    } else if (b.dc != it->second) {
      c->AddNote(
          fmt::format("the operator file puts broker {} in {}, broker.rack says "
                      "{}: the audit uses broker.rack",
                      b.id, it->second, b.dc));
    }
  }
  if (!used.empty()) {
    c->AddNote(
        fmt::format("the DCs of brokers {} (down or not answering) come from the "
                    "operator file",
                    fmt::join(used, ",")));
  }
}

void ApplyElr(const OperatorFile& f, ClusterDescription* c) {
  if (f.eligible_leader_replicas.has_value()) {
    c->elr = *f.eligible_leader_replicas ? ElrState::kEnabled : ElrState::kDisabled;
    c->elr_origin = Origin::kOperatorFile;
    c->AddNote(fmt::format("Eligible Leader Replicas are {} according to the operator file",
                           ElrStateName(c->elr)));
  }
  for (const auto& [topic, parts] : f.elr) {
    for (const auto& [id, elr] : parts) {
      bool found = false;
      for (Topic& t : c->topics) {
        for (Partition& p : t.partitions) {
          if (t.name != topic || p.id != id) continue;
          p.elr = elr;
          found = true;
        }
      }
      if (!found) {
        c->AddNote(
            fmt::format("the operator file gives the ELR of {} partition {}, which "
                        "the cluster does not have: ignored",
                        topic, id));
      }
    }
  }
}

}  // namespace

Result<OperatorFile> ParseOperatorFile(const std::string& text, const std::string& path) {
  FileReader r(path);
  STRAIT_ASSIGN_OR_RETURN(const YAML::Node root, r.Parse(text));
  OperatorFile f;
  f.path = path;
  if (root.IsNull()) return f;  // an empty file says nothing
  if (!r.ExpectMap(root, "(top level)")) return r.Finish();
  r.CheckKeys(root, {"controllers", "brokers", "eligible_leader_replicas", "elr"}, "");
  ParseDcMap(r, root["controllers"], "controllers", &f.controllers);
  ParseDcMap(r, root["brokers"], "brokers", &f.brokers);
  if (const YAML::Node elr = root["eligible_leader_replicas"]; elr.IsDefined()) {
    bool on = false;
    if (r.ValueBool(elr, "eligible_leader_replicas", &on)) f.eligible_leader_replicas = on;
  }
  ParseElrMap(r, root["elr"], &f);
  STRAIT_RETURN_IF_ERROR(r.Finish());
  return f;
}

Result<OperatorFile> LoadOperatorFile(const std::string& path) {
  STRAIT_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  return ParseOperatorFile(text, path);
}

void ApplyOperatorFile(const OperatorFile& f, ClusterDescription* c) {
  ApplyControllers(f, c);
  ApplyBrokers(f, c);
  ApplyElr(f, c);
}

}  // namespace strait::audit
