// `strait import-mm2`: writes the strait config equivalent to a MirrorMaker 2 config and
// lists the MirrorMaker 2 keys it did not translate (migrate/mm2_import.h).
#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "kafka/client.h"
#include "migrate/mm2_import.h"

namespace strait::cli {
namespace {

// librdkafka's verdict on one client property; its messages never hold secret values.
std::string CheckProperty(const std::string& key, const std::string& value) {
  Status s = kafka::ValidateProperties({{key, value}}, /*consumer=*/false);
  return s.ok() ? "" : s.message();
}

// The config may hold passwords: only its owner may read the file.
Status WriteFile(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    return InvalidArgument(fmt::format("{}: cannot write: {}", path, std::strerror(errno)));
  }
  ::chmod(path.c_str(), 0600);
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = std::fclose(f) == 0 && ok;
  if (!ok) return InvalidArgument(fmt::format("{}: cannot write: {}", path, std::strerror(errno)));
  return Status::Ok();
}

}  // namespace

int RunImportMm2(const ImportMm2Options& options) {
  std::ifstream in(options.input_path);
  if (!in) {
    std::fprintf(stderr, "%s: cannot read the MirrorMaker 2 config: %s\n",
                 options.input_path.c_str(), std::strerror(errno));
    return kExitUsage;
  }
  std::stringstream text;
  text << in.rdbuf();
  Result<migrate::Mm2Import> imported =
      migrate::ImportMm2(text.str(), options.input_path, CheckProperty);
  if (!imported.ok()) {
    std::fprintf(stderr, "%s\n", imported.status().message().c_str());
    return kExitUsage;
  }
  if (options.output_path.empty()) {
    std::fputs(imported->yaml.c_str(), stdout);
  } else if (Status s = WriteFile(options.output_path, imported->yaml); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return kExitFailure;
  }
  for (const migrate::Untranslated& u : imported->untranslated) {
    std::fprintf(stderr, "%s:%d: %s: not translated: %s\n", options.input_path.c_str(), u.line,
                 u.key.c_str(), u.reason.c_str());
  }
  for (const std::string& note : imported->notes) std::fprintf(stderr, "note: %s\n", note.c_str());
  std::fprintf(stderr,
               "%zu MirrorMaker 2 keys not translated. Next: strait check --config FILE; stop "
               "MirrorMaker 2; strait run --config FILE (docs/migrating-from-mm2.md)\n",
               imported->untranslated.size());
  return kExitOk;
}

}  // namespace strait::cli
