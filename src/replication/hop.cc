#include "replication/hop.h"

#include <optional>
#include <string>

#include "provenance/provenance.h"

namespace strait::replication {

HopVerdict PassOn(const Hop& hop, SourceOffset offset, const std::vector<kafka::HeaderView>& in,
                  kafka::Headers* out) {
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
    provenance::Provenance p{offset, upstream ? upstream->path : std::vector<uint64_t>{},
                             hop.source_topic};
    if (p.path.size() >= 255) p.path.erase(p.path.begin() + 1);  // keep the origin
    p.path.push_back(hop.source_fingerprint);
    out->Add(provenance::kProvenanceHeader, provenance::EncodeProvenance(p));
  }
  return HopVerdict::kWrite;
}

}  // namespace strait::replication
