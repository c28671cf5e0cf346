// `strait import-mm2`: a MirrorMaker 2 config (dedicated mode, connect-mirror-maker.properties)
// turned into the strait config that does the same, plus every MirrorMaker 2 key that has
// no strait equivalent and why (docs/migrating-from-mm2.md has the mapping table).
//
// MirrorMaker 2's own rules decide what a key means (MirrorMakerConfig): `clusters` lists
// the aliases; `<alias>.<key>` are client settings of one cluster (only bootstrap.servers,
// security.protocol, ssl.* and sasl.* apply to every client; consumer., producer. and
// admin. prefix the rest); top-level security settings apply to every cluster that has no
// own value; connector settings (topics, groups, ...) given at the top level apply to every
// flow and `<source>-><target>.<key>` overrides them for one; a flow runs only with
// `<source>-><target>.enabled = true`.
//
// Every generated flow has mm2.takeover: true, so that strait continues where MirrorMaker 2
// stopped on the same remote topics. Pure: librdkafka's verdict on a client property comes
// in through PropertyCheck. Thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace strait::migrate {

// "" when librdkafka accepts `key` = `value`, else its reason.
using PropertyCheck = std::function<std::string(const std::string& key, const std::string& value)>;

// A MirrorMaker 2 key that is not in the strait config, and why.
struct Untranslated {
  int line = 0;
  std::string key;
  std::string reason;
};

struct Mm2Import {
  std::string yaml;                        // the strait config
  std::vector<Untranslated> untranslated;  // in file order
  std::vector<std::string> notes;          // things to know that are not about one key
};

// `path` names the file in messages. Fails (InvalidArgument, one "path:line: key: problem"
// per line) when no config can be written: no clusters, no enabled flow, a cluster without
// bootstrap.servers, an alias strait cannot use.
Result<Mm2Import> ImportMm2(std::string_view properties, const std::string& path,
                            const PropertyCheck& check);

}  // namespace strait::migrate
