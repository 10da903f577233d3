#include "server/periodic.hpp"

#include <fmt/format.h>

namespace gpurun::server {

Periodic::Periodic(std::string name, std::chrono::milliseconds interval, std::function<void()> pass)
    : m_name(std::move(name)), m_interval(interval), m_pass(std::move(pass)) {}

Periodic::~Periodic() { stop(); }

void Periodic::start() {
  std::lock_guard lock(m_mutex);
  if (m_thread.joinable() || m_stopping) return;
  m_thread = std::thread([this] { loop(); });
}

void Periodic::wake() {
  {
    std::lock_guard lock(m_mutex);
    m_woken = true;
  }
  m_cv.notify_one();
}

void Periodic::stop() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_cv.notify_all();
  if (m_thread.joinable()) m_thread.join();
}

void Periodic::loop() {
  std::string failing; // the failure of the last pass
  std::unique_lock lock(m_mutex);
  while (!m_stopping) {
    lock.unlock();
    try {
      m_pass();
      if (!failing.empty()) fmt::print(stderr, "gpurun serve: {}: working again\n", m_name);
      failing.clear();
    } catch (const std::exception& e) {
      if (failing != e.what()) fmt::print(stderr, "gpurun serve: {}: {}\n", m_name, e.what());
      failing = e.what();
    }
    lock.lock();
    m_cv.wait_for(lock, m_interval, [this] { return m_woken || m_stopping; });
    m_woken = false;
  }
}

} // namespace gpurun::server
