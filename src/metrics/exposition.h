// Prometheus text exposition (format 0.0.4), written by hand: prometheus-cpp is not packaged
// in Debian, and strait's metrics are pulled from its own state at scrape time rather than
// kept in a registry. Samples are grouped under their family whatever order they are added
// in, as the format requires. One writer per scrape; not thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strait::metrics {

using Labels = std::vector<std::pair<std::string_view, std::string>>;

enum class Type { kCounter, kGauge };

class Exposition {
 public:
  // Declares a metric family; samples of it may then be added in any order.
  void Family(std::string_view name, Type type, std::string_view help);
  void Sample(std::string_view name, const Labels& labels, double value);
  void Sample(std::string_view name, const Labels& labels, int64_t value);
  std::string Text() const;

 private:
  struct Fam {
    std::string name;
    std::string header;
    std::string samples;
  };
  Fam& Find(std::string_view name);
  std::vector<Fam> families_;
};

// Escapes a label value: backslash, double quote and newline.
std::string EscapeLabelValue(std::string_view v);

}  // namespace strait::metrics
