// What `strait verify` found on every partition it checked, the verdict a script acts on
// (exit codes), and its two renderings: a table for people and JSON (schema
// "strait.verify.report/1", documented in docs/operations.md). Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "verify/matcher.h"

namespace strait::verify {

inline constexpr std::string_view kReportSchema = "strait.verify.report/1";

// The verdict, most serious first; the exit code of `strait verify` (2 is a usage error).
enum class Verdict {
  kViolation,   // 1: a record missing, duplicated, out of order or different on the target
  kIncomplete,  // 3: part could not be checked (unreachable, unreadable, no provenance)
  kBehind,      // 4: all checked records are right, but the target has not caught up yet
  kOk,          // 0: every source record is on the target once, in order, unchanged
};
int ExitCode(Verdict verdict);
std::string_view VerdictName(Verdict verdict);

struct PartitionReport {
  std::string topic;
  int32_t partition = 0;
  std::string remote_topic;
  bool compacted = false;  // missing and not-in-source records are then expected
  int64_t source_log_start = 0, source_end = 0;  // watermarks when the check began
  int64_t target_log_start = 0, target_end = 0;
  MatchResult match;

  Verdict verdict() const;
};

struct FlowReport {
  std::string flow;  // "dc1->dc2"
  std::string source, target;
  std::string error;  // the flow could not be checked at all
  std::vector<PartitionReport> partitions;

  Verdict verdict() const;
};

struct Report {
  std::vector<FlowReport> flows;
  Verdict verdict() const;
};

std::string ReportJson(const Report& report);
std::string ReportTable(const Report& report);

}  // namespace strait::verify
