// The audit's saved cluster description (audit/cluster_json.h), which `strait audit --from`
// reads from a file anyone may have edited. Properties: loading never crashes or throws, a
// rejected file gets an error that names the file, and an accepted description saves and
// loads back to the same description.
#include <cstdint>
#include <string>

#include "audit/cluster_json.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strait::audit;
  std::string text(reinterpret_cast<const char*>(data), size);
  strait::Result<ClusterDescription> loaded = DescriptionFromJson(text, "fuzz.json");
  if (!loaded.ok()) {
    FUZZ_CHECK(loaded.status().message().rfind("fuzz.json", 0) == 0);
    return 0;
  }
  std::string saved = DescriptionToJson(*loaded);
  strait::Result<ClusterDescription> again = DescriptionFromJson(saved, "saved.json");
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(DescriptionToJson(*again) == saved);
  return 0;
}
