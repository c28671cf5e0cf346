#include "metrics/exposition.h"

#include <fmt/format.h>

#include <cmath>

#include "base/status.h"

namespace strait::metrics {
namespace {

void AppendLabels(std::string& out, const Labels& labels) {
  if (labels.empty()) return;
  out += '{';
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    fmt::format_to(std::back_inserter(out), "{}=\"{}\"", k, EscapeLabelValue(v));
  }
  out += '}';
}

}  // namespace

std::string EscapeLabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

void Exposition::Family(std::string_view name, Type type, std::string_view help) {
  families_.push_back({std::string(name),
                       fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name,
                                   type == Type::kCounter ? "counter" : "gauge"),
                       ""});
}

Exposition::Fam& Exposition::Find(std::string_view name) {
  for (Fam& f : families_) {
    if (f.name == name) return f;
  }
  STRAIT_CHECK(false && "sample for an undeclared metric family");
  return families_.front();
}

void Exposition::Sample(std::string_view name, const Labels& labels, double value) {
  Fam& f = Find(name);
  f.samples += name;
  AppendLabels(f.samples, labels);
  if (std::isnan(value)) {
    f.samples += " NaN\n";
  } else {
    fmt::format_to(std::back_inserter(f.samples), " {}\n", value);
  }
}

void Exposition::Sample(std::string_view name, const Labels& labels, int64_t value) {
  Fam& f = Find(name);
  f.samples += name;
  AppendLabels(f.samples, labels);
  fmt::format_to(std::back_inserter(f.samples), " {}\n", value);
}

std::string Exposition::Text() const {
  std::string out;
  for (const Fam& f : families_) out += f.header + f.samples;
  return out;
}

}  // namespace strait::metrics
