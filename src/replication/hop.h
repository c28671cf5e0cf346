// One record's passage through a flow, decided from its headers alone: it is written on
// with this hop added to its provenance header (provenance.h), or dropped because it has
// been on the target cluster before (a loop), or because it was itself mirrored into the
// source and the flow forwards local records only (forward: local). Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/strong_types.h"
#include "kafka/message.h"
#include "provenance/provenance.h"

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

// What PassOn builds for each record, kept by its caller from one record to the next so that
// the steady state allocates nothing here (the data path copies millions of records a second).
struct HopScratch {
  provenance::Provenance provenance;
  std::string encoded;
};

// `in`: the record's headers at the source; `offset`: its source offset.
HopVerdict PassOn(const Hop& hop, SourceOffset offset, const std::vector<kafka::HeaderView>& in,
                  kafka::Headers* out, HopScratch* scratch);
// The same with a scratch of its own (tests, and callers that copy few records).
HopVerdict PassOn(const Hop& hop, SourceOffset offset, const std::vector<kafka::HeaderView>& in,
                  kafka::Headers* out);

}  // namespace strait::replication
