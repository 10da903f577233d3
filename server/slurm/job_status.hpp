#pragma once
// What a Slurm job's state means for a gpurun run. Slurm reports `exit_code` as a raw wait
// status (exit 3 reads 768, SIGKILL reads 9); gpurun shows an exit code or a signal.

#include <optional>
#include <string>
#include <string_view>

#include "core/run_state.hpp"

namespace gpurun::server::slurm {

struct WaitStatus {
  std::optional<int> exit_code; // when the process exited
  std::optional<int> signal;    // when a signal ended it
};

// Decodes a wait status as waitpid(2) would (WIFEXITED/WEXITSTATUS, WIFSIGNALED/WTERMSIG).
WaitStatus decode_wait_status(long status);

// The run state for a Slurm job state (PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT,
// NODE_FAIL, ...). Unknown states count as running: a new transient state must not end a run.
core::RunState run_state_for(std::string_view job_state);

// A sentence for a failed or waiting job: "Slurm: NODE_FAIL (the node failed)", "waiting in
// Slurm's queue: Resources". Empty when there is nothing to say.
std::string describe_job_state(std::string_view job_state, std::string_view state_reason);

} // namespace gpurun::server::slurm
