#include "statuspage/history.h"

#include <pthread.h>

#include <nlohmann/json.hpp>

#include "base/clock.h"

namespace strait::statuspage {
namespace {

template <typename T>
T Get(const nlohmann::json& j, const char* key, T fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  return it->get<T>();
}

}  // namespace

History::History(std::function<std::string()> status_json, Options options)
    : status_json_(std::move(status_json)), options_(options) {}

History::~History() { Stop(); }

void History::Start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "history");
    Run();
  });
}

void History::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void History::Run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    Record(status_json_(), NowMs());
    lock.lock();
    wake_.wait_for(lock, options_.interval, [this] { return stop_; });
  }
}

void History::Record(const std::string& status_json, int64_t now_ms) {
  nlohmann::json status = nlohmann::json::parse(status_json, nullptr, /*allow_exceptions=*/false);
  if (status.is_discarded() || !status.contains("flows") || !status["flows"].is_array()) return;
  std::lock_guard lock(mu_);
  for (const nlohmann::json& f : status["flows"]) {
    Sample s{now_ms,
             Get<std::string>(f, "state", ""),
             Get<int64_t>(f, "records", 0),
             Get<int64_t>(f, "bytes", 0),
             Get<int64_t>(f, "lag_records", 0),
             Get<double>(f, "lag_seconds", 0)};
    std::deque<Sample>& samples = flows_[Get<std::string>(f, "name", "")];
    samples.push_back(std::move(s));
    while (samples.size() > options_.samples) samples.pop_front();
  }
  // A flow removed by a reload keeps its past until it has aged out of the window.
  std::erase_if(flows_, [&](const auto& kv) {
    return now_ms - kv.second.back().t >
           static_cast<int64_t>(options_.samples) * options_.interval.count();
  });
}

std::string History::Json() const {
  nlohmann::json flows = nlohmann::json::object();
  std::lock_guard lock(mu_);
  for (const auto& [name, samples] : flows_) {
    nlohmann::json list = nlohmann::json::array();
    for (const Sample& s : samples) {
      list.push_back({{"t", s.t},
                      {"state", s.state},
                      {"records", s.records},
                      {"bytes", s.bytes},
                      {"lag_records", s.lag_records},
                      {"lag_seconds", s.lag_seconds}});
    }
    flows[name] = std::move(list);
  }
  return nlohmann::json{{"interval_ms", options_.interval.count()}, {"flows", flows}}.dump();
}

}  // namespace strait::statuspage
