// strait's YAML config (config/config.h), as an operator writes it. Properties: parsing never
// crashes or throws, a rejected file gets an error that names the file, and an accepted one
// has what every command relies on (two known clusters per flow, a bootstrap address each).
#include <cstdint>
#include <string>

#include "config/config.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strait::config;
  std::string text(reinterpret_cast<const char*>(data), size);
  strait::Result<Config> config = ParseConfig(text, "fuzz.yaml");
  if (!config.ok()) {
    FUZZ_CHECK(config.status().message().rfind("fuzz.yaml", 0) == 0);
    return 0;
  }
  FUZZ_CHECK(!config->flows.empty());
  for (const FlowConfig& flow : config->flows) {
    FUZZ_CHECK(flow.source != flow.target);
    FUZZ_CHECK(!config->Cluster(flow.source).Bootstrap().empty());
    FUZZ_CHECK(!config->Cluster(flow.target).Bootstrap().empty());
  }
  return 0;
}
