#pragma once
// The embedded default's executor: each attempt is a process on this machine, started under a
// supervisor (supervised_process.hpp) with CUDA_VISIBLE_DEVICES set to the GPUs placed.
//
// Its GPUs are this machine's (nvidia-smi, matched to the catalog) or, with a declared inventory,
// simulated: the declaration's nodes and types, numbered 0.. per node, all run here. A declared
// `free` below `gpus` marks the difference as held by someone else, never offered.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "server/container_runner.hpp"
#include "server/executor.hpp"
#include "server/gpu_discovery.hpp"
#include "server/supervised_process.hpp"

namespace gpurun::server {

struct LocalExecutorOptions {
  std::optional<core::Inventory> declared; // --inventory; the GPUs are then simulated
  std::chrono::seconds grace{10};          // between SIGTERM and SIGKILL on cancel
  std::map<std::string, std::string> base_env; // what every run inherits (the server's PATH, HOME...)
  std::shared_ptr<ContainerRunner> containers; // runs images other than `host`; null: they are refused
  std::optional<mode_t> run_umask; // the runs' file-creation mask; nullopt: the server's
  // The gpurun binary whose hidden `__smoke-gate` command checks the placed GPUs before a
  // `smoke: quick` function's command; "" refuses such functions at deploy.
  std::string smoke_gate;
};

class LocalExecutor final : public Executor {
public:
  // `discovered` is used when nothing is declared; nullopt runs nvidia-smi.
  explicit LocalExecutor(LocalExecutorOptions options, std::optional<GpuDiscovery> discovered = std::nullopt);

  std::string name() const override { return "local"; }
  core::Inventory inventory() override;
  bool simulated() const override { return m_simulated; }
  std::string unsupported(const core::Function& fn) const override;
  std::string start(const RunLaunch& launch) override;
  ExecutorStatus poll(const std::string& handle) override;
  void cancel(const std::string& handle) override;
  bool reattach(const std::string& handle) override;

  // One line each, for the server's start-up message: where the GPUs come from.
  const std::vector<std::string>& notes() const { return m_notes; }

private:
  struct Device {
    std::string node;
    std::string type;
    int index = 0;
    bool reserved = false; // held outside gpurun (a declared `free` below `gpus`)
  };
  struct Attempt {
    ProcessId process;
    std::string status_path;
    std::string node;
    std::vector<int> gpus;
    std::string container; // the podman container's name, for runs in an image
  };

  Attempt parse_handle(const std::string& handle) const;
  void hold(const Attempt& attempt, bool busy);

  LocalExecutorOptions m_options;
  bool m_simulated = false;
  std::vector<std::string> m_node_order;
  std::vector<Device> m_devices;
  std::vector<std::string> m_notes;
  std::mutex m_mutex;
  std::set<std::pair<std::string, int>> m_busy; // (node, device index)
  std::map<std::string, Attempt> m_attempts;     // by handle
};

// The process environment as a map, for LocalExecutorOptions::base_env.
std::map<std::string, std::string> current_environment();

} // namespace gpurun::server
