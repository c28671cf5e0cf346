// The provenance header (provenance/provenance.h) arrives on every record strait reads: from
// other strait instances, from a producer that copied headers, from anyone. Properties:
// decoding never crashes, and the format has one encoding per value, so whatever decodes
// encodes back to the same bytes with the same origin and upstream cluster.
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "provenance/provenance.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strait::provenance;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::optional<Provenance> p = DecodeProvenance(in);
  if (!p) return 0;
  FUZZ_CHECK(!p->path.empty() && p->path.size() <= 255);
  FUZZ_CHECK(EncodeProvenance(*p) == in);
  FUZZ_CHECK(p->Visited(p->origin()) && p->Visited(p->upstream_cluster()));
  return 0;
}
