#pragma once
// `gpurun serve`: the control plane process. Opens the state folder (taking its lock), the
// store, the executor and the scheduler, then serves the API until SIGINT or SIGTERM. Runs keep
// going when the server stops; the next server re-attaches to them.

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "server/slurm/slurm_executor.hpp"

namespace gpurun::server {

struct ServeOptions {
  std::string listen = "127.0.0.1:0"; // HOST:PORT; port 0 picks a free one
  std::string state_dir;
  std::optional<std::string> inventory_path; // declared (simulated) GPUs
  std::string executor = "local";  // or "slurm"
  slurm::SlurmConfig slurm;          // with executor "slurm"
  std::chrono::seconds grace{10};
  size_t max_body = 1024 * 1024;
  size_t max_blob = size_t{1} << 30; // an uploaded file of a build context
  std::string version;
  // A file holding the time schedules fire by (seconds since the epoch), read at each pass,
  // instead of the system clock: lets tests step through cron ticks. "" for the system clock.
  std::string schedule_clock;
  // The gpurun binary that runs `smoke: quick` checks (LocalExecutorOptions::smoke_gate); "" when
  // this build cannot check GPUs, so such functions are refused at deploy.
  std::string smoke_gate;
  std::function<void(const std::string&)> say; // start-up lines, for stderr
};

// Blocks until a signal stops the server. Throws gpurun::Error when it cannot start (the state
// folder is locked by another server, the address is taken, a non-loopback address without
// GPURUN_TOKEN, an invalid inventory).
void serve(const ServeOptions& options);

// Whether `host` is a loopback address (127.0.0.0/8, ::1, localhost).
bool is_loopback(const std::string& host);

} // namespace gpurun::server
