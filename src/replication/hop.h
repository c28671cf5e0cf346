// One record's passage through a flow, decided from its headers alone: it is written on
// with this hop added to its provenance header (provenance.h), or dropped because it has
// been on the target cluster before (a loop), or because it was itself mirrored into the
// source and the flow forwards local records only (forward: local). Pure; thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "base/strong_types.h"
#include "kafka/message.h"

namespace strait::replication {

struct Hop {
  bool provenance_headers = true;  // write the header (provenance.headers)
  uint64_t source_fingerprint = 0;
  uint64_t target_fingerprint = 0;
  bool local_only = false;  // forward: local, on an identity-named topic
  // provenance::TopicFingerprint of the source topic's id; 0 when the source has no ids.
  uint64_t source_topic = 0;
};

enum class HopVerdict {
  kWrite,     // `out` holds the headers to write
  kLoop,      // the record has been on the target cluster: writing it would make a loop
  kNotLocal,  // mirrored into the source from elsewhere; its origin delivers it directly
};

// `in`: the record's headers at the source; `offset`: its source offset.
HopVerdict PassOn(const Hop& hop, SourceOffset offset, const std::vector<kafka::HeaderView>& in,
                  kafka::Headers* out);

}  // namespace strait::replication
