#pragma once
// Where runs execute. The control plane's scheduler picks a placement with core::resolve against
// an executor's inventory, then hands the run to the executor; it polls the executor for state
// and stores the executor's handle so that it can re-attach after a restart.
//
// Implementations: the local executor (child processes on this machine, optionally inside a
// podman container) and the Slurm executor (jobs through slurmrestd). Tests use fakes.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/inventory.hpp"
#include "core/manifest.hpp"
#include "core/resolver.hpp"
#include "core/run_state.hpp"

namespace gpurun::server {

// Everything an executor needs to start one attempt of a run.
struct RunLaunch {
  std::string run_id;
  int attempt = 1;
  std::string app;
  std::string function;
  std::vector<std::string> command; // argv; never passed through a shell
  std::map<std::string, std::string> env; // the function's env, secrets and GPURUN_* variables
  core::Placement placement;              // type, count, node, rank
  std::vector<int> gpu_indices;           // device indices on the node (CUDA_VISIBLE_DEVICES)
  std::optional<std::chrono::milliseconds> timeout;
  core::ImageSpec image;
  // `smoke: quick`: the chain the placed GPUs must serve, checked before the command starts.
  std::optional<gpu_spec::GpuChain> smoke_chain;
  std::string stdout_path; // where the attempt's output goes (executors that can write there)
  std::string stderr_path;
};

struct ExecutorStatus {
  core::RunState state = core::RunState::running;
  std::optional<int> exit_code; // when the process exited
  std::optional<int> signal;    // when a signal ended it
  std::string reason;           // human-readable, for failures
  std::optional<core::Placement> placement; // where it actually landed, when the executor knows better
};

class Executor {
public:
  virtual ~Executor() = default;
  virtual std::string name() const = 0;

  // The GPUs this executor can place on, with what is free now.
  virtual core::Inventory inventory() = 0;
  // Whether inventory() comes from a declaration rather than real GPUs.
  virtual bool simulated() const = 0;
  // The manifest fields of `fn` this executor would ignore, as a sentence naming them ("cpu and
  // memory are not supported by the local executor yet"); "" when it honours them all. Deploying
  // such a function is refused: a field accepted and then ignored is a silent bug. An executor
  // that honours cpu, memory or smoke overrides this.
  virtual std::string unsupported(const core::Function& fn) const {
    std::vector<std::string> fields;
    if (fn.cpu) fields.emplace_back("cpu");
    if (fn.memory_mib) fields.emplace_back("memory");
    if (fn.smoke) fields.emplace_back("smoke");
    if (fields.empty()) return "";
    std::string list = fields.front();
    for (size_t i = 1; i < fields.size(); ++i) list += (i + 1 == fields.size() ? " and " : ", ") + fields[i];
    return list + (fields.size() == 1 ? " is" : " are") + " not supported by the " + name() + " executor yet";
  }

  // Starts an attempt; returns an opaque handle to store (a pid, a job id). Throws gpurun::Error
  // when the attempt cannot start.
  virtual std::string start(const RunLaunch& launch) = 0;
  // The attempt's state now. Must not block for long.
  virtual ExecutorStatus poll(const std::string& handle) = 0;
  // Asks the attempt to stop (SIGTERM, then SIGKILL after a grace period; or the scheduler's
  // cancel). Returns at once; poll() reports the end.
  virtual void cancel(const std::string& handle) = 0;
  // Re-attaches to a handle stored before a restart. Returns false when the attempt is gone and
  // its outcome is unknown (the run becomes `lost`).
  virtual bool reattach(const std::string& handle) = 0;
};

} // namespace gpurun::server
