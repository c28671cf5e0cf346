// A watchdog for unit-test binaries. ctest kills a test that outlives its timeout and
// prints only what the test wrote, which says nothing about where it hung (a librdkafka
// call that never returns, a lock). Armed by STRAIT_TEST_WATCHDOG_S, it prints every
// thread's stack with gdb once a binary has run that long, then aborts: the test still
// fails, and the log says where. The test scripts set it below ctest's timeout; unset, as
// in a developer's shell, it does nothing.

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

namespace {

class Watchdog {
 public:
  Watchdog() {
    const char* env = std::getenv("STRAIT_TEST_WATCHDOG_S");
    const int seconds = env != nullptr ? std::atoi(env) : 0;
    if (seconds <= 0) return;
    thread_ = std::thread([this, seconds] { Watch(std::chrono::seconds(seconds)); });
  }

  ~Watchdog() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  void Watch(std::chrono::seconds limit) {
    std::unique_lock lock(mu_);
    if (cv_.wait_for(lock, limit, [this] { return done_; })) return;
    std::fprintf(stderr, "watchdog: still running after %lld s; every thread's stack:\n",
                 static_cast<long long>(limit.count()));
    std::fflush(stderr);
    // All of gdb's output to stderr, which ctest shows with the test's output.
    const std::string command =
        "gdb -p " + std::to_string(getpid()) + " -batch -nx -ex 'thread apply all bt' 2>&1 1>&2";
    if (std::system(command.c_str()) != 0) {
      std::fprintf(stderr, "watchdog: gdb could not print the stacks\n");
    }
    std::abort();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// Constructed before main() and destroyed after it returns: it watches the whole run.
Watchdog watchdog;

}  // namespace
