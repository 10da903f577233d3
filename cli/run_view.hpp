#pragma once
// Showing runs: a run record as text, the exit code a run stands for, and following a run's
// output until it ends.

#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/exit_code.hpp"
#include "core/api_client.hpp"

namespace gpurun::cli {

// "H100:1 on node-1 (fallback 1, upgrade)", "CPU only", or "-" before placement.
std::string placement_summary(const nlohmann::json& run);
// The status view: one `key  value` line each, on stdout.
void print_run(const nlohmann::json& run);
// succeeded 0; failed: the function's exit code (128+N for signal N, 1 when it never started);
// timed_out 124; cancelled and lost 125.
ExitCode run_exit_code(const nlohmann::json& run);

// What a run that has shown no output yet waits for: "run r-1 is queued: no node has 1 free H100",
// "run r-1 is running (H100:1 on node-1), no output yet".
std::string run_wait_text(const nlohmann::json& run);

// Copies the run's stdout to `out` and its stderr to `err` as they arrive, until the run has
// ended; returns the final record. `before_output` is called once, before the first output is
// written (to take a progress line away). Lines on stderr say when the server is lost, when it
// answers again, and when the local one was started again.
nlohmann::json follow_run(const core::ApiConfig& config, const std::string& id, std::FILE* out, std::FILE* err,
                          const std::function<void()>& before_output = {});

} // namespace gpurun::cli
