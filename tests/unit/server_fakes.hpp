#pragma once
// Test doubles for the server's unit tests: a temporary folder, a file writer and an in-memory
// executor whose attempts end when the test says so.

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "core/random.hpp"
#include "server/executor.hpp"

namespace gpurun::testing {

struct TempDir {
  std::filesystem::path path;
  TempDir() : path(std::filesystem::temp_directory_path() / ("gpurun-test-" + core::random_hex(6))) {
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

// Writes `text` to `path`, creating the folders above it.
inline void write_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

class FakeExecutor final : public server::Executor {
public:
  core::Inventory base;
  std::map<std::string, server::ExecutorStatus> status; // by handle
  std::map<std::string, server::RunLaunch> launches;    // by handle
  std::vector<std::string> cancelled;
  std::vector<std::string> reattachable;
  std::string fail_start; // when set, start() throws this

  std::string name() const override { return "fake"; }
  bool simulated() const override { return true; }
  core::Inventory inventory() override {
    core::Inventory inv = base;
    for (const auto& [handle, launch] : launches)
      if (status[handle].state == core::RunState::running && launch.placement.count > 0)
        core::apply_placement(inv, launch.placement);
    return inv;
  }
  std::string start(const server::RunLaunch& launch) override {
    if (!fail_start.empty()) throw Error(fail_start);
    std::string handle = launch.run_id + "#" + std::to_string(launch.attempt);
    launches[handle] = launch;
    status[handle] = {};
    return handle;
  }
  server::ExecutorStatus poll(const std::string& handle) override { return status.at(handle); }
  void cancel(const std::string& handle) override { cancelled.push_back(handle); }
  bool reattach(const std::string& handle) override {
    for (const std::string& h : reattachable)
      if (h == handle) {
        status[handle] = {};
        return true;
      }
    return false;
  }

  // Ends the attempt with an exit code.
  void end(const std::string& handle, int exit_code) {
    server::ExecutorStatus& s = status.at(handle);
    s.state = exit_code == 0 ? core::RunState::succeeded : core::RunState::failed;
    s.exit_code = exit_code;
    s.reason = exit_code == 0 ? "" : "exited with code " + std::to_string(exit_code);
  }
  // The handle of the run's latest attempt, "" when it never started.
  std::string handle_of(const std::string& run_id) const {
    std::string found;
    for (const auto& [handle, launch] : launches)
      if (launch.run_id == run_id) found = handle;
    return found;
  }
};

} // namespace gpurun::testing
