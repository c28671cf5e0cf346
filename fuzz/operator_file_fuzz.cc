// The audit's operator file (audit/operator_file.h), written by hand. Properties: parsing
// never crashes or throws, a rejected file gets an error that names the file, and an accepted
// one applies to a cluster description that can then be saved.
#include <cstdint>
#include <string>

#include "audit/cluster_json.h"
#include "audit/operator_file.h"
#include "fuzz/fuzz_check.h"

namespace {

// Two brokers in dc1 and dc2, a third with no rack, one controller, one topic.
strait::audit::ClusterDescription SmallCluster() {
  using namespace strait::audit;
  ClusterDescription c;
  c.brokers = {{1, "dc1"}, {2, "dc2"}, {3, ""}};
  c.controllers = {{9, "", Origin::kUnknown}};
  Topic t;
  t.name = "orders";
  t.partitions = {{0, {1, 2, 3}, {1, 2, 3}, 1, std::nullopt}};
  c.topics = {t};
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strait::audit;
  std::string text(reinterpret_cast<const char*>(data), size);
  strait::Result<OperatorFile> file = ParseOperatorFile(text, "fuzz.yaml");
  if (!file.ok()) {
    FUZZ_CHECK(file.status().message().rfind("fuzz.yaml", 0) == 0);
    return 0;
  }
  ClusterDescription cluster = SmallCluster();
  ApplyOperatorFile(*file, &cluster);
  FUZZ_CHECK(DescriptionFromJson(DescriptionToJson(cluster), "saved.json").ok());
  return 0;
}
