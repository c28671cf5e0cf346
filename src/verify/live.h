// Reads a flow's source and target clusters for `strait verify` and feeds the matcher
// (verify/matcher.h), one partition at a time, both sides in step.
//
// It never disturbs replication: it uses consumers of its own with manual assignment (no
// group join, no offset commit), writes nothing, and holds at most a bounded prefetch per
// consumer (4 MiB) plus one batch, whatever the partition's size.
//
// VerifyFlow runs on the calling thread and blocks until every partition was checked.
#pragma once

#include <chrono>
#include <string>

#include "config/config.h"
#include "verify/report.h"

namespace strait::verify {

struct VerifyOptions {
  // Whole-name regex on source topic names, within the flow's topics. Empty: every topic the
  // flow mirrors, except the MirrorMaker 2 heartbeats topics, which only a pattern selects.
  std::string topics;
  // How long a cluster may send nothing while records are still expected.
  std::chrono::milliseconds timeout{30000};
};

FlowReport VerifyFlow(const config::Config& config, const config::FlowConfig& flow,
                      const VerifyOptions& options);

}  // namespace strait::verify
