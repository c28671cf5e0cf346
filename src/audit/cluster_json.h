// Saving and loading a ClusterDescription as JSON (schema "strait.audit.cluster/1", described
// in docs/stretched-clusters.md), so that `strait audit --save` can record what it read and
// `strait audit --from` can audit it offline, and so that tests start from saved clusters.
// Thread-safe (no shared state).
#pragma once

#include <string>

#include "audit/cluster.h"
#include "base/status.h"

namespace strait::audit {

inline constexpr std::string_view kClusterSchema = "strait.audit.cluster/1";

std::string DescriptionToJson(const ClusterDescription& cluster);

// `path` names the file in error messages: "<path>:<line>:<column>: <key>: <problem>".
Result<ClusterDescription> DescriptionFromJson(const std::string& text, const std::string& path);

Result<ClusterDescription> LoadDescriptionFile(const std::string& path);
Status SaveDescriptionFile(const ClusterDescription& cluster, const std::string& path);

// Reads a whole file; the error names the file and the reason.
Result<std::string> ReadTextFile(const std::string& path);
Status WriteTextFile(const std::string& path, const std::string& text);

}  // namespace strait::audit
