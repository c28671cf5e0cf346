// The subcommands of the strait binary. Each returns the process exit code
// (docs/operations.md): 0 success, 1 runtime failure, 2 bad config or usage.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace strait::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct CheckOptions {
  std::string config_path;
  bool offline = false;  // validate only, do not connect
};
int RunCheck(const CheckOptions& options);

struct RunOptions {
  std::string config_path;
  std::string log_level;  // overrides the config's log.level when set
};
int RunRun(const RunOptions& options);

struct ControlOptions {
  std::string config_path;  // where the instance listens (http.listen)
  std::string action;       // reload, pause or resume
  std::string flow;         // for pause and resume: "dc1->dc2"
};
// `strait reload|pause|resume`: exit 2 when the instance refused an invalid config, 1 when
// it did not answer or refused the change.
int RunControl(const ControlOptions& options);

struct OffsetsOptions {
  std::string config_path;
  std::string group;
  std::string from;           // the cluster alias the group consumed on
  std::string to;             // the cluster alias it moves to
  bool apply = false;         // commit the translation to the group on `to`
  bool allow_rewind = false;  // apply even where `to` already has later offsets
  bool json = false;
};
// `strait offsets translate|apply`: exact failover and failback of one group.
int RunOffsets(const OffsetsOptions& options);

struct ProgressOptions {
  std::string config_path;
  std::string flow;   // "dc1->dc2"
  std::string topic;  // the source topic
  int32_t partition = 0;
  int64_t offset = -1;  // the first source offset to mirror
};
// `strait progress set`: where a flow continues a partition it cannot resume on its own.
int RunProgress(const ProgressOptions& options);

struct StatusOptions {
  std::string config_path;  // where the instance listens (http.listen)
  bool json = false;
};
// `strait status`: the replication graph of a running instance; exit 1 when a flow is not
// running or the topology has a problem.
int RunStatus(const StatusOptions& options);

struct ImportMm2Options {
  std::string input_path;   // MirrorMaker 2's .properties file
  std::string output_path;  // "" writes the config to stdout
};
// `strait import-mm2`: the strait config for a MirrorMaker 2 config; the keys it could not
// translate go to stderr. Exit 2 when no config can be written.
int RunImportMm2(const ImportMm2Options& options);

struct VerifyCommandOptions {
  std::string config_path;
  std::string flow;    // "dc1->dc2"; empty: every enabled flow
  std::string topics;  // whole-name regex on source topics; empty: all of the flow's
  bool json = false;
  int timeout_ms = 30000;
};
// `strait verify`: proof on live clusters that every source record is on the target once,
// in order (verify_command.cc, docs/operations.md). Its own exit codes: 1 a record missing,
// duplicated, out of order or different; 3 not everything could be checked; 4 the target is
// behind (everything it holds is right).
int RunVerify(const VerifyCommandOptions& options);

// strait audit: what losing a datacenter does to a stretched cluster (audit_command.cc,
// docs/stretched-clusters.md). Its own exit codes 3, 4 and 5 are in audit/report.h.
struct AuditOptions {
  std::string bootstrap_servers;
  std::vector<std::string> properties;  // -X key=value, with --bootstrap-servers
  std::string config_path;              // with cluster: a cluster alias of a strait config
  std::string cluster;
  std::string from;  // a description saved by --save
  std::string operator_file;
  std::string format = "table";
  std::string save;
  std::string reassignment_file;
  std::vector<std::string> lose;  // extra scenarios: "dc1,dc2"
  int timeout_ms = 10000;
  bool verbose = false;
  // strait audit plan
  int dcs = 3;
  int brokers_per_dc = 2;
  int survive = 1;
};
// Adds `audit` (and `audit plan`) to `app`; returns the audit subcommand.
CLI::App* AddAuditCommand(CLI::App& app, AuditOptions* options);
int RunAudit(const CLI::App& audit, const AuditOptions& options);

}  // namespace strait::cli
