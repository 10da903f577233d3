#include "server/slurm/job_status.hpp"

#include <array>
#include <utility>

namespace gpurun::server::slurm {

WaitStatus decode_wait_status(long status) {
  WaitStatus out;
  const int low = static_cast<int>(status & 0x7f);
  if (low == 0) out.exit_code = static_cast<int>((status >> 8) & 0xff);
  else if (low != 0x7f) out.signal = low; // 0x7f: stopped, not ended
  return out;
}

core::RunState run_state_for(std::string_view job_state) {
  using core::RunState;
  static constexpr std::array<std::pair<std::string_view, RunState>, 16> k_states{{
      {"PENDING", RunState::queued},
      {"REQUEUED", RunState::queued},
      {"REQUEUE_HOLD", RunState::queued},
      {"REQUEUE_FED", RunState::queued},
      {"RESV_DEL_HOLD", RunState::queued},
      {"CONFIGURING", RunState::running},
      {"RUNNING", RunState::running},
      {"COMPLETING", RunState::running}, // the epilog still runs; exit_code may not be final
      {"COMPLETED", RunState::succeeded},
      {"CANCELLED", RunState::cancelled},
      {"TIMEOUT", RunState::timed_out},
      {"DEADLINE", RunState::timed_out},
      {"FAILED", RunState::failed},
      {"NODE_FAIL", RunState::failed},
      {"BOOT_FAIL", RunState::failed},
      {"OUT_OF_MEMORY", RunState::failed},
  }};
  for (const auto& [name, state] : k_states)
    if (job_state == name) return state;
  if (job_state == "PREEMPTED") return RunState::failed;
  return RunState::running;
}

std::string describe_job_state(std::string_view job_state, std::string_view state_reason) {
  const std::string reason(state_reason);
  const bool has_reason = !reason.empty() && reason != "None";
  if (job_state == "PENDING") return has_reason ? "waiting in Slurm's queue: " + reason : "waiting in Slurm's queue";
  if (job_state == "NODE_FAIL") return "Slurm: the node failed (NODE_FAIL)";
  if (job_state == "BOOT_FAIL") return "Slurm: the node failed to boot (BOOT_FAIL)";
  if (job_state == "OUT_OF_MEMORY") return "Slurm: the job ran out of memory (OUT_OF_MEMORY)";
  if (job_state == "PREEMPTED") return "Slurm: the job was preempted (PREEMPTED)";
  if (job_state == "DEADLINE") return "Slurm: the job reached its deadline (DEADLINE)";
  if (job_state == "TIMEOUT") return "Slurm: the job reached its time limit (TIMEOUT)";
  if (job_state == "FAILED" && has_reason && reason != "NonZeroExitCode") return "Slurm: the job failed: " + reason;
  return "";
}

} // namespace gpurun::server::slurm
