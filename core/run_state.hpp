#pragma once
// The life of a run, shared by the control plane, its executors and the CLI.

#include <optional>
#include <string_view>

namespace gpurun::core {

enum class RunState {
  queued,    // accepted, waiting for GPUs
  running,   // its process or job is running
  succeeded, // exited 0
  failed,    // exited non-zero, or could not start
  cancelled, // cancelled by a user
  timed_out, // killed at its timeout
  lost,      // the server died and the run's process could not be recovered
};

std::string_view to_string(RunState state);
std::optional<RunState> parse_run_state(std::string_view text);
inline bool is_terminal(RunState state) { return state != RunState::queued && state != RunState::running; }

} // namespace gpurun::core
