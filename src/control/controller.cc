#include "control/controller.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/log.h"
#include "metrics/exposition.h"

namespace strait::control {
namespace {

std::set<std::string> EnabledFlows(const config::Config& config) {
  std::set<std::string> out;
  for (const config::FlowConfig& f : config.flows) {
    if (f.enabled) out.insert(f.Name());
  }
  return out;
}

int HttpStatus(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

nlohmann::json PlanJson(const ReloadPlan& plan) {
  return {{"ok", true},
          {"start", plan.start},
          {"stop", plan.stop},
          {"restart", plan.restart},
          {"unchanged", plan.unchanged},
          {"needs_restart", plan.needs_restart}};
}

}  // namespace

Controller::Controller(Options options, config::Config running, replication::Replicator* replicator)
    : options_(std::move(options)), replicator_(replicator), running_(std::move(running)) {
  flows_ = EnabledFlows(running_);
  last_success_ms_ = NowMs();
}

Status Controller::CheckOpen() const {
  if (closed_) return Unavailable("strait is stopping; no changes are accepted");
  return Status::Ok();
}

Result<const config::FlowConfig*> Controller::Find(const std::string& flow) const {
  const config::FlowConfig* f = FindFlow(running_, flow);
  if (f != nullptr) return f;
  std::set<std::string> names = EnabledFlows(running_);
  return NotFound(fmt::format("no enabled flow \"{}\" in {}; its flows are: {}", flow,
                              options_.config_path, fmt::join(names, ", ")));
}

Result<ReloadPlan> Controller::Reload() {
  std::lock_guard lock(change_mu_);
  STRAIT_RETURN_IF_ERROR(CheckOpen());
  Result<config::Config> next = config::LoadConfigFile(options_.config_path);
  if (!next.ok()) {
    CountReload(false);
    log::Error("control", "config not reloaded: the running config is kept",
               {{"config", options_.config_path}, {"error", next.status().message()}});
    return next.status();
  }
  ReloadPlan plan = PlanReload(running_, *next);
  std::set<std::string> paused;
  {
    std::lock_guard stats(stats_mu_);
    for (const std::string& name : plan.stop) paused_.erase(name);
    paused = paused_;
  }
  std::vector<std::string> stopping = plan.stop;
  stopping.insert(stopping.end(), plan.restart.begin(), plan.restart.end());
  if (!stopping.empty()) replicator_->StopFlows(stopping);
  for (const auto* names : {&plan.restart, &plan.start}) {
    for (const std::string& name : *names) {
      replicator_->AddFlow(*next, *FindFlow(*next, name), paused.count(name) != 0);
    }
  }
  replicator_->SetTopology(next->flows);
  ApplyLogSettings(*next, options_.log_level_override);
  for (const std::string& note : plan.needs_restart) {
    log::Warn("control", "not reloaded", {{"setting", note}});
  }
  running_ = std::move(next).value();
  {
    std::lock_guard stats(stats_mu_);
    flows_ = EnabledFlows(running_);
  }
  CountReload(true);
  log::Info("control", "config reloaded",
            {{"config", options_.config_path},
             {"started", fmt::format("{}", fmt::join(plan.start, ","))},
             {"stopped", fmt::format("{}", fmt::join(plan.stop, ","))},
             {"restarted", fmt::format("{}", fmt::join(plan.restart, ","))},
             {"unchanged", plan.unchanged.size()}});
  return plan;
}

Result<std::string> Controller::Pause(const std::string& flow) {
  std::lock_guard lock(change_mu_);
  STRAIT_RETURN_IF_ERROR(CheckOpen());
  STRAIT_ASSIGN_OR_RETURN(const config::FlowConfig* f, Find(flow));
  {
    std::lock_guard stats(stats_mu_);
    if (paused_.count(flow) != 0) return fmt::format("{} is already paused", flow);
  }
  log::Info("control", "pausing flow: draining its in-flight records", {{"flow", flow}});
  replicator_->StopFlows({flow});
  replicator_->AddFlow(running_, *f, /*paused=*/true);
  {
    std::lock_guard stats(stats_mu_);
    paused_.insert(flow);
  }
  log::Info("control", "flow paused", {{"flow", flow}});
  return fmt::format("{} paused", flow);
}

Result<std::string> Controller::Resume(const std::string& flow) {
  std::lock_guard lock(change_mu_);
  STRAIT_RETURN_IF_ERROR(CheckOpen());
  STRAIT_ASSIGN_OR_RETURN(const config::FlowConfig* f, Find(flow));
  {
    std::lock_guard stats(stats_mu_);
    if (paused_.count(flow) == 0) return fmt::format("{} is not paused", flow);
  }
  replicator_->StopFlows({flow});  // never started: nothing to drain
  replicator_->AddFlow(running_, *f, /*paused=*/false);
  {
    std::lock_guard stats(stats_mu_);
    paused_.erase(flow);
  }
  log::Info("control", "flow resumed", {{"flow", flow}});
  return fmt::format("{} resumed", flow);
}

void Controller::Close() {
  std::lock_guard lock(change_mu_);
  closed_ = true;
}

std::pair<int, std::string> Controller::Handle(std::string_view action, const std::string& flow) {
  auto error = [](const Status& s) {
    return std::pair{HttpStatus(s), nlohmann::json{{"ok", false}, {"error", s.message()}}.dump()};
  };
  if (action == "reload") {
    Result<ReloadPlan> plan = Reload();
    if (!plan.ok()) return error(plan.status());
    return {200, PlanJson(*plan).dump()};
  }
  Result<std::string> done = action == "pause"    ? Pause(flow)
                             : action == "resume" ? Resume(flow)
                                                  : Result<std::string>(NotFound("no such action"));
  if (!done.ok()) return error(done.status());
  return {200, nlohmann::json{{"ok", true}, {"message", *done}}.dump()};
}

void ApplyLogSettings(const config::Config& config, const std::string& level_override) {
  log::Level level = log::Level::kInfo;
  log::ParseLevel(level_override.empty() ? config.log_level : level_override, &level);
  log::SetLevel(level);
  log::LineFormat format = log::LineFormat::kText;
  log::ParseLineFormat(config.log_format, &format);
  log::SetLineFormat(format);
}

void Controller::CountReload(bool ok) {
  std::lock_guard stats(stats_mu_);
  (ok ? reloads_ok_ : reloads_failed_) += 1;
  last_reload_ok_ = ok;
  if (ok) last_success_ms_ = NowMs();
}

std::string Controller::Metrics() const {
  using metrics::Type;
  metrics::Exposition e;
  std::lock_guard stats(stats_mu_);
  e.Family("strait_flow_paused", Type::kGauge,
           "1 while a flow is paused (strait pause), 0 while it runs.");
  for (const std::string& f : flows_) {
    e.Sample("strait_flow_paused", {{"flow", f}}, int64_t{paused_.count(f) != 0});
  }
  e.Family("strait_config_reloads_total", Type::kCounter,
           "Config reloads (SIGHUP, strait reload) by result: success, or failure (the file "
           "was invalid and the running config was kept).");
  e.Sample("strait_config_reloads_total", {{"result", "success"}}, reloads_ok_);
  e.Sample("strait_config_reloads_total", {{"result", "failure"}}, reloads_failed_);
  e.Family("strait_config_last_reload_successful", Type::kGauge,
           "1 when the last reload applied the file (or none was asked for), 0 when it failed.");
  e.Sample("strait_config_last_reload_successful", {}, int64_t{last_reload_ok_});
  e.Family("strait_config_last_reload_success_timestamp_seconds", Type::kGauge,
           "When the running config was last loaded (Unix time).");
  e.Sample("strait_config_last_reload_success_timestamp_seconds", {}, last_success_ms_ / 1000.0);
  return e.Text();
}

}  // namespace strait::control
