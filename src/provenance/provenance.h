// The provenance header: where a mirrored record came from.
//
// Every record strait writes carries a header "strait.provenance" whose value is
//   version      uint8   = 2 (1: without the topic field)
//   upstream     int64   the record's offset in the partition it was copied from
//   hops         uint8   number of clusters in the path (1..255)
//   path         hops x 8 bytes: cluster fingerprints, origin first, the cluster the
//                record was copied from last
//   topic        uint64  (version 2) fingerprint of the id of the topic it was copied from
// all big-endian. It makes resume exact (the last record of a target partition says which
// source offset comes next, and of which topic: a topic deleted and created again under the
// same name has a new id and starts again at offset 0), offset translation exact, and loop
// prevention independent of topic names. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/strong_types.h"

namespace strait::provenance {

inline constexpr std::string_view kProvenanceHeader = "strait.provenance";

// A stable 64-bit fingerprint of a Kafka cluster id (FNV-1a).
uint64_t ClusterFingerprint(std::string_view cluster_id);
// The same of a topic id as Kafka's tools print it (base64); 0 for none (Kafka's zero id,
// from a broker without topic ids).
uint64_t TopicFingerprint(std::string_view topic_id);

struct Provenance {
  SourceOffset upstream_offset;
  std::vector<uint64_t> path;  // origin first; back() is the cluster copied from
  // TopicFingerprint of the topic copied from; 0 when not known (a version-1 header).
  uint64_t source_topic = 0;

  uint64_t origin() const { return path.front(); }
  uint64_t upstream_cluster() const { return path.back(); }
  bool Visited(uint64_t fingerprint) const;
};

// Version 2, or version 1 when `source_topic` is 0.
std::string EncodeProvenance(const Provenance& p);
// The same into `out`, replacing what it held: a buffer kept across records allocates nothing.
void EncodeProvenance(const Provenance& p, std::string* out);
// nullopt for a value that is not a version-1 or version-2 provenance header.
std::optional<Provenance> DecodeProvenance(std::string_view value);

}  // namespace strait::provenance
