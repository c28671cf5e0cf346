#include "base/redact.h"

#include <algorithm>
#include <array>
#include <mutex>
#include <shared_mutex>
#include <vector>

namespace strait {
namespace {

constexpr std::string_view kReplacement = "[redacted]";

struct Secrets {
  std::shared_mutex mu;
  std::vector<std::string> values;  // longest first, so a secret inside another is not half-done
};

Secrets& Registry() {
  static Secrets* secrets = new Secrets();  // never destroyed: logging may run during exit
  return *secrets;
}

}  // namespace

bool IsSecretKey(std::string_view key) {
  static constexpr std::array<std::string_view, 6> kMarkers = {
      "password", "secret", "ssl.key.pem", "ssl_key", "keystore", "sasl.oauthbearer.config"};
  return std::any_of(kMarkers.begin(), kMarkers.end(),
                     [&](std::string_view m) { return key.find(m) != std::string_view::npos; });
}

void RegisterSecret(std::string_view value) {
  // One- and two-character values would redact ordinary text and protect nothing.
  if (value.size() < 3) return;
  Secrets& s = Registry();
  std::unique_lock lock(s.mu);
  if (std::find(s.values.begin(), s.values.end(), value) != s.values.end()) return;
  s.values.emplace_back(value);
  std::sort(s.values.begin(), s.values.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string Redact(std::string_view text) {
  std::string out(text);
  Secrets& s = Registry();
  std::shared_lock lock(s.mu);
  for (const std::string& secret : s.values) {
    for (size_t pos = out.find(secret); pos != std::string::npos;
         pos = out.find(secret, pos + kReplacement.size())) {
      out.replace(pos, secret.size(), kReplacement);
    }
  }
  return out;
}

}  // namespace strait
