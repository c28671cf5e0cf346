// The last minutes of each flow's figures, for the status page's charts. A thread of its
// own ("history") reads strait's /status JSON every interval and keeps a bounded window;
// Json() serves it. Start/Stop from the owner (the `run` command); Record and Json from any
// thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace strait::statuspage {

class History {
 public:
  struct Options {
    std::chrono::milliseconds interval{5000};
    size_t samples = 180;  // 15 minutes at 5 s
  };

  // `status_json` returns what /status serves; it is called from the history thread.
  History(std::function<std::string()> status_json, Options options);
  ~History();

  void Start();
  void Stop();

  // Adds one sample of every flow in `status_json` (the /status document), taken at `now_ms`.
  // A document that does not parse is skipped.
  void Record(const std::string& status_json, int64_t now_ms);

  // {"interval_ms": 5000, "flows": {"dc1->dc2": [{"t": ms, "state": "running",
  //   "records": n, "bytes": n, "lag_records": n, "lag_seconds": s}, ...]}}, oldest first.
  std::string Json() const;

 private:
  struct Sample {
    int64_t t = 0;
    std::string state;
    int64_t records = 0, bytes = 0, lag_records = 0;
    double lag_seconds = 0;
  };
  void Run();

  const std::function<std::string()> status_json_;
  const Options options_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;                                // guarded by mu_
  std::map<std::string, std::deque<Sample>> flows_;  // guarded by mu_
};

}  // namespace strait::statuspage
