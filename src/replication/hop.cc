#include "replication/hop.h"

#include <optional>
#include <string>

#include "provenance/provenance.h"

namespace strait::replication {

HopVerdict PassOn(const Hop& hop, SourceOffset offset, const std::vector<kafka::HeaderView>& in,
                  kafka::Headers* out, HopScratch* scratch) {
  std::optional<provenance::Provenance> upstream;
  for (const kafka::HeaderView& h : in) {
    if (h.name == provenance::kProvenanceHeader && hop.provenance_headers) {
      if (h.value) upstream = provenance::DecodeProvenance(*h.value);
      continue;  // replaced by this hop's header below
    }
    out->Add(h.name, h.value);
  }
  if (upstream && upstream->Visited(hop.target_fingerprint)) return HopVerdict::kLoop;
  // In a full mesh the target gets such a record directly from its origin, and forwarding
  // it as well would deliver it twice.
  if (upstream && hop.local_only) return HopVerdict::kNotLocal;
  if (hop.provenance_headers) {
    provenance::Provenance& p = scratch->provenance;
    p.upstream_offset = offset;
    p.source_topic = hop.source_topic;
    if (upstream) {
      p.path.assign(upstream->path.begin(), upstream->path.end());
    } else {
      p.path.clear();
    }
    if (p.path.size() >= 255) p.path.erase(p.path.begin() + 1);  // keep the origin
    p.path.push_back(hop.source_fingerprint);
    provenance::EncodeProvenance(p, &scratch->encoded);
    out->Add(provenance::kProvenanceHeader, scratch->encoded);
  }
  return HopVerdict::kWrite;
}

HopVerdict PassOn(const Hop& hop, SourceOffset offset, const std::vector<kafka::HeaderView>& in,
                  kafka::Headers* out) {
  HopScratch scratch;
  return PassOn(hop, offset, in, out, &scratch);
}

}  // namespace strait::replication
