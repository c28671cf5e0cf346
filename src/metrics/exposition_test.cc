#include "metrics/exposition.h"

#include <gtest/gtest.h>

namespace strait::metrics {
namespace {

TEST(Exposition, WritesFamiliesAndEscapedLabels) {
  Exposition e;
  e.Family("strait_records_mirrored_total", Type::kCounter, "Records acknowledged by the target.");
  e.Sample("strait_records_mirrored_total", {{"flow", "dc1->dc2"}, {"topic", "a\"b\\c"}},
           int64_t{42});
  e.Family("strait_lag_seconds", Type::kGauge, "Lag.");
  e.Sample("strait_lag_seconds", {}, 1.5);
  e.Sample("strait_records_mirrored_total", {{"flow", "x"}}, int64_t{1});  // grouped on output
  EXPECT_EQ(e.Text(),
            "# HELP strait_records_mirrored_total Records acknowledged by the target.\n"
            "# TYPE strait_records_mirrored_total counter\n"
            "strait_records_mirrored_total{flow=\"dc1->dc2\",topic=\"a\\\"b\\\\c\"} 42\n"
            "strait_records_mirrored_total{flow=\"x\"} 1\n"
            "# HELP strait_lag_seconds Lag.\n"
            "# TYPE strait_lag_seconds gauge\n"
            "strait_lag_seconds 1.5\n");
}

}  // namespace
}  // namespace strait::metrics
