// Redaction of secrets (passwords, keys) from every line strait prints or serves.
//
// The config loader registers each secret value it reads; the log sink, /status and error
// printing pass text through Redact() before it leaves the process. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace strait {

// True for client property names that hold secrets: "sasl.password", "ssl.key.password",
// "ssl.key.pem", "sasl.oauthbearer.client.secret", ...
bool IsSecretKey(std::string_view key);

// Remembers a secret value; later calls to Redact() replace it with "[redacted]".
void RegisterSecret(std::string_view value);

// Returns text with every registered secret replaced.
std::string Redact(std::string_view text);

}  // namespace strait
