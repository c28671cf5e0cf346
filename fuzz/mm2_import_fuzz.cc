// `strait import-mm2` (migrate/mm2_import.h) reads a MirrorMaker 2 properties file written
// by hand. Properties: importing never crashes or throws, a rejected file gets an error that
// names the file, and an accepted one yields a strait config that strait itself accepts.
#include <cstdint>
#include <cstdio>
#include <string>

#include "config/config.h"
#include "fuzz/fuzz_check.h"
#include "kafka/client.h"
#include "migrate/mm2_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strait;
  std::string text(reinterpret_cast<const char*>(data), size);
  auto check = [](const std::string& key, const std::string& value) {
    Status s = kafka::ValidateProperties({{key, value}}, /*consumer=*/false);
    return s.ok() ? std::string() : s.message();
  };
  Result<migrate::Mm2Import> imported = migrate::ImportMm2(text, "mm2.properties", check);
  if (!imported.ok()) {
    FUZZ_CHECK(imported.status().message().rfind("mm2.properties", 0) == 0);
    return 0;
  }
  Result<config::Config> config = config::ParseConfig(imported->yaml, "strait.yaml");
  if (!config.ok()) std::fprintf(stderr, "%s\n", config.status().message().c_str());
  FUZZ_CHECK(config.ok());
  return 0;
}
