#pragma once
// A background thread that runs a pass at a fixed interval, or sooner when woken, until stopped:
// the loop of the scheduler and of the schedules. A pass that throws is said on stderr once per
// distinct failure (a full disk fails every pass), and its recovery once.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace gpurun::server {

class Periodic {
public:
  // `name` prefixes its lines: "gpurun serve: <name>: <error>".
  Periodic(std::string name, std::chrono::milliseconds interval, std::function<void()> pass);
  ~Periodic();
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;

  void start();
  // The next pass starts now rather than at the end of the interval.
  void wake();
  // Waits for a pass in progress to end; no pass starts after it returns.
  void stop();

private:
  void loop();

  std::string m_name;
  std::chrono::milliseconds m_interval;
  std::function<void()> m_pass;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_woken = false;
  bool m_stopping = false;
  std::thread m_thread;
};

} // namespace gpurun::server
