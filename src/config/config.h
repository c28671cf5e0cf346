// strait's configuration: clusters, flows and the HTTP endpoint, as typed values.
//
// Built once by LoadConfigFile() and then read-only; safe to share between threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "config/references.h"
#include "kafka/types.h"

namespace strait::config {

using std::chrono::milliseconds;

// Where a value came from in the config file, for error messages.
struct Location {
  std::string file;
  int line = 0;    // 1-based
  int column = 0;  // 1-based

  bool operator==(const Location&) const = default;
};

struct ClusterConfig {
  std::string alias;
  kafka::Properties properties;  // every client of this cluster
  kafka::Properties consumer;    // only consumers (added after `properties`)
  kafka::Properties producer;
  kafka::Properties admin;
  Location location;

  kafka::Properties ConsumerProperties() const;
  kafka::Properties ProducerProperties() const;
  kafka::Properties AdminProperties() const;
  // The bootstrap.servers value, for messages.
  std::string Bootstrap() const;
  bool operator==(const ClusterConfig&) const = default;
};

enum class Naming { kPrefix, kIdentity };
enum class StartOffset { kEarliest, kLatest };
// Which source records a flow copies: all that have not been on the target yet, or only
// those produced on the source itself (for full meshes, where every cluster receives each
// origin's records directly and forwarding them again would deliver them twice).
enum class Forward { kAll, kLocal };

struct FlowConfig {
  std::string source;
  std::string target;
  std::vector<std::string> topics = {".*"};  // whole-name regexes
  std::vector<std::string> topics_exclude;
  Naming naming = Naming::kPrefix;
  Forward forward = Forward::kAll;
  std::string separator = ".";
  std::vector<std::string> groups = {".*"};
  std::vector<std::string> groups_exclude = {"console-consumer-.*", "connect-.*", "__.*"};
  bool enabled = true;
  int32_t replication_factor = -1;  // -1: the target broker's default
  bool provenance_headers = true;
  StartOffset start_offset = StartOffset::kEarliest;
  bool sync_topic_configs = true;
  // MirrorMaker 2's default config.properties.exclude: never copied to remote topics.
  std::vector<std::string> config_properties_exclude = {
      "follower\\.replication\\.throttled\\.replicas",
      "leader\\.replication\\.throttled\\.replicas",
      "message\\.timestamp\\.difference\\.max\\.ms",
      "message\\.timestamp\\.type",
      "unclean\\.leader\\.election\\.enable",
      "min\\.insync\\.replicas"};
  bool adopt_existing_topics = false;
  milliseconds refresh_interval{5000};
  // Without group mode, after a start or a producer reset, how long to wait before reading
  // where the target stopped, so that a produce request a killed predecessor left in a
  // broker is applied first. Group mode has no use for it (replication/flow.cc, Flow::Settle).
  milliseconds resume_settle{1000};
  // A partition stopped by an error is retried after this long, doubling up to 5 minutes.
  milliseconds partition_retry_backoff{30000};
  int64_t max_inflight_bytes_per_partition = 8 << 20;
  // Enough to keep a produce pipeline full at 100 MB/s with 300 ms acknowledgements; more
  // only adds memory (a backlog fills whatever budget there is: 256 MiB cost 55 MB of RSS
  // and no throughput).
  int64_t max_inflight_bytes = 32 << 20;
  bool emit_checkpoints = true;
  milliseconds checkpoint_interval{5000};
  bool sync_group_offsets = true;
  bool emit_heartbeats = true;
  milliseconds heartbeat_interval{1000};
  // Continue where MirrorMaker 2 stopped on remote topics it wrote (offsets/mm2_takeover.h).
  bool mm2_takeover = false;
  // MirrorMaker 2's Connect offsets topic on the target; empty: its dedicated-mode default,
  // "mm2-offsets.<source>.internal".
  std::string mm2_offsets_topic;
  // ACL sync (acl/acl_sync.h): topic ACLs of mirrored topics, and optionally group ACLs of
  // translated groups, copied to the target under the remote names.
  bool sync_topic_acls = true;
  bool sync_group_acls = false;
  milliseconds acl_sync_interval{60000};
  Location location;

  std::string Name() const { return source + "->" + target; }
  // Every field, location included (control/reload_plan.h compares without it).
  bool operator==(const FlowConfig&) const = default;
};

struct HttpConfig {
  bool enabled = true;
  std::string host = "127.0.0.1";
  int port = 9644;
  // HTTPS when both are set: PEM files of the server's certificate (chain) and its key.
  std::string tls_certificate;
  std::string tls_key;
  // The CA `strait status` trusts for the endpoint; default: tls_certificate itself.
  std::string tls_ca;
  // When set, /status, /metrics and anything that changes state need
  // "Authorization: Bearer <token>"; /healthz stays open.
  std::string token;

  bool tls() const { return !tls_certificate.empty(); }
  bool operator==(const HttpConfig&) const = default;
};

// Several `strait run` processes with the same flows share each flow's partitions through a
// consumer group on the flow's target (replication/membership.h). What may differ between
// them is local: this section, `http` and `log`.
struct GroupConfig {
  bool enabled = false;
  // Names this process in the group and in /status; empty: "<hostname>-<http port>".
  std::string instance_id;
  // A flow's group on its target is "<prefix><source>.<target>".
  std::string prefix = "strait.";
  // How long the group waits for a silent instance before its partitions move.
  milliseconds session_timeout{10000};
  // How long a transaction collects records before it commits: what read_committed readers
  // of the target wait at most beyond the copy itself, against the fixed cost of a commit.
  milliseconds commit_interval{1000};

  bool operator==(const GroupConfig&) const = default;
};

struct Config {
  std::string path;
  std::map<std::string, ClusterConfig> clusters;
  std::vector<FlowConfig> flows;
  HttpConfig http;
  GroupConfig group;
  std::string log_level = "info";
  std::string log_format = "text";  // text (key=value) or json (one object per line)

  const ClusterConfig& Cluster(const std::string& alias) const { return clusters.at(alias); }
};

// What every instance of a group must agree on about a flow (what it copies and how it
// names and writes it), hashed; local settings and the clusters' client properties are left
// out, since instances may reach the clusters differently.
uint64_t FlowFingerprint(const FlowConfig& flow);
// The instance id a GroupConfig without one gets: "<hostname>-<http port>".
std::string DefaultInstanceId(const HttpConfig& http);

// Reads and validates a config file. On failure the Status lists every problem found, one
// per line, each as "<file>:<line>:<column>: <key>: <what was expected>". Values may refer
// to environment variables and files (references.h).
Result<Config> LoadConfigFile(const std::string& path);
// The same for text already in memory; `path` is only used in messages.
Result<Config> ParseConfig(const std::string& text, const std::string& path,
                           const Environment& env = Environment::Process());

}  // namespace strait::config
