#include "server/local_executor.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"

extern char** environ;

namespace gpurun::server {

std::map<std::string, std::string> current_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry = *e;
    size_t eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return env;
}

namespace {

// Where __smoke-gate writes why the placed GPUs failed their check, beside the attempt's status.
std::string verdict_path(const std::string& status_path) {
  return std::filesystem::path(status_path).replace_extension(".smoke").string();
}

std::optional<std::string> smoke_failure(const std::string& status_path) {
  std::ifstream in(verdict_path(status_path));
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  return line;
}

} // namespace

LocalExecutor::LocalExecutor(LocalExecutorOptions options, std::optional<GpuDiscovery> discovered)
    : m_options(std::move(options)) {
  if (m_options.declared) {
    m_simulated = true;
    for (const core::InventoryNode& node : m_options.declared->nodes) {
      m_node_order.push_back(node.name);
      int index = 0;
      for (const auto& [type, total] : node.total) {
        const int held = total - node.free_of(type);
        for (int i = 0; i < total; ++i) m_devices.push_back({node.name, type, index++, i < held});
      }
    }
    m_notes.push_back("GPUs are simulated from the declared inventory: runs execute on this machine as "
                      "ordinary processes, with CUDA_VISIBLE_DEVICES naming the simulated GPUs");
    return;
  }
  GpuDiscovery found = discovered ? *discovered : discover_gpus();
  m_node_order.push_back("local");
  for (const LocalGpu& gpu : found.gpus) m_devices.push_back({"local", gpu.type, gpu.index, false});
  m_notes = found.notes;
  if (m_devices.empty())
    m_notes.push_back("no GPUs found on this machine: only CPU functions can run (declare GPUs with "
                      "--inventory to simulate them)");
  else
    m_notes.push_back(fmt::format("{} GPU{} found on this machine", m_devices.size(), m_devices.size() == 1 ? "" : "s"));
}

core::Inventory LocalExecutor::inventory() {
  std::lock_guard lock(m_mutex);
  core::Inventory inventory;
  inventory.simulated = m_simulated;
  for (const std::string& name : m_node_order) inventory.nodes.push_back({name, {}, {}});
  for (const Device& d : m_devices) {
    core::InventoryNode* node = inventory.find_node(d.node);
    node->total[d.type] += 1;
    node->free[d.type] += (!d.reserved && !m_busy.contains({d.node, d.index})) ? 1 : 0;
  }
  return inventory;
}

void LocalExecutor::hold(const Attempt& attempt, bool busy) {
  for (int index : attempt.gpus) {
    if (busy) m_busy.insert({attempt.node, index});
    else m_busy.erase({attempt.node, index});
  }
}

LocalExecutor::Attempt LocalExecutor::parse_handle(const std::string& handle) const {
  try {
    nlohmann::json j = nlohmann::json::parse(handle);
    Attempt a;
    a.process.pid = j.at("pid").get<pid_t>();
    a.process.start_ticks = j.at("start").get<long long>();
    a.status_path = j.at("status").get<std::string>();
    a.node = j.at("node").get<std::string>();
    a.gpus = j.at("gpus").get<std::vector<int>>();
    a.container = j.value("container", std::string());
    return a;
  } catch (const nlohmann::json::exception&) {
    throw Error("not a local executor handle: " + handle);
  }
}

std::string LocalExecutor::unsupported(const core::Function& fn) const {
  if (!fn.smoke || m_options.smoke_gate.empty()) return Executor::unsupported(fn);
  core::Function rest = fn;
  rest.smoke.reset();
  return Executor::unsupported(rest);
}

std::string LocalExecutor::start(const RunLaunch& launch) {
  if (!launch.image.is_host() && !m_options.containers)
    throw Error("container images are not supported by this executor (the function's image has base '" +
                launch.image.base + "'; use base: host to run on this machine)");
  std::lock_guard lock(m_mutex);
  Attempt attempt;
  attempt.node = launch.placement.node.empty() ? m_node_order.front() : launch.placement.node;
  attempt.gpus = launch.gpu_indices;
  if (attempt.gpus.empty()) {
    for (const Device& d : m_devices) {
      if (static_cast<int>(attempt.gpus.size()) == launch.placement.count) break;
      if (d.node == attempt.node && d.type == launch.placement.type && !d.reserved && !m_busy.contains({d.node, d.index}))
        attempt.gpus.push_back(d.index);
    }
  }
  if (static_cast<int>(attempt.gpus.size()) != launch.placement.count)
    throw Error(fmt::format("not enough free {} on {} for {} GPUs", launch.placement.type, attempt.node, launch.placement.count));

  ProcessSpec spec;
  spec.argv = launch.command;
  spec.env = m_options.base_env;
  for (const auto& [k, v] : launch.env) spec.env[k] = v;
  spec.env["CUDA_VISIBLE_DEVICES"] = fmt::format("{}", fmt::join(attempt.gpus, ","));
  spec.stdout_path = launch.stdout_path;
  spec.stderr_path = launch.stderr_path;
  const std::filesystem::path dir = std::filesystem::path(launch.stdout_path).parent_path();
  attempt.status_path = (dir / fmt::format("attempt-{}.status", launch.attempt)).string();
  spec.status_path = attempt.status_path;
  spec.grace = m_options.grace;
  spec.umask = m_options.run_umask;
  if (launch.image.is_host()) {
    if (launch.image.workdir) spec.cwd = *launch.image.workdir;
    for (const auto& [k, v] : launch.image.env) spec.env.try_emplace(k, v);
  } else {
    // The image's workdir and env are baked into it; podman gets the run's env by name.
    spec.argv = m_options.containers->command(launch, attempt.gpus);
    attempt.container = container_name(launch.run_id, launch.attempt);
  }
  if (launch.smoke_chain) {
    if (m_options.smoke_gate.empty()) throw Error("smoke checks are not available on this server");
    std::vector<std::string> gate = {m_options.smoke_gate, "__smoke-gate", "--verdict", verdict_path(attempt.status_path)};
    for (const gpu_spec::GpuSpec& entry : *launch.smoke_chain) {
      gate.emplace_back("--allow");
      gate.push_back(entry.to_string());
    }
    gate.emplace_back("--");
    gate.insert(gate.end(), spec.argv.begin(), spec.argv.end());
    spec.argv = std::move(gate);
  }

  attempt.process = spawn_supervised(spec);
  // For people and tests: the supervisor's pid is also the session id of everything the run started.
  std::ofstream(dir / fmt::format("attempt-{}.pid", launch.attempt)) << attempt.process.pid << "\n";
  nlohmann::json handle = {{"pid", attempt.process.pid},      {"start", attempt.process.start_ticks},
                           {"status", attempt.status_path},   {"node", attempt.node},
                           {"gpus", attempt.gpus}};
  if (!attempt.container.empty()) handle["container"] = attempt.container;
  std::string text = handle.dump();
  hold(attempt, true);
  m_attempts[text] = attempt;
  return text;
}

ExecutorStatus LocalExecutor::poll(const std::string& handle) {
  Attempt attempt;
  {
    std::lock_guard lock(m_mutex);
    auto it = m_attempts.find(handle);
    attempt = it != m_attempts.end() ? it->second : parse_handle(handle);
  }
  std::optional<ProcessEnd> end = read_status(attempt.status_path);
  if (!end && is_alive(attempt.process)) return ExecutorStatus{core::RunState::running, {}, {}, "", {}};
  if (!end) end = read_status(attempt.status_path); // it may have ended between the two looks
  ExecutorStatus status;
  if (!end) {
    status.state = core::RunState::lost;
    status.reason = "its process ended without recording an exit status";
  } else if (end->exit_code) {
    status.exit_code = end->exit_code;
    status.state = *end->exit_code == 0 ? core::RunState::succeeded : core::RunState::failed;
    if (*end->exit_code != 0) status.reason = fmt::format("exited with code {}", *end->exit_code);
    if (auto why = smoke_failure(attempt.status_path); *end->exit_code != 0 && why)
      status.reason = "the smoke check of the placed GPUs failed, so the command did not start: " + *why;
  } else {
    status.state = core::RunState::failed;
    status.signal = end->signal;
    status.reason = fmt::format("killed by signal {}", end->signal.value_or(0));
  }
  std::lock_guard lock(m_mutex);
  if (m_attempts.erase(handle) > 0) hold(attempt, false);
  return status;
}

void LocalExecutor::cancel(const std::string& handle) {
  Attempt attempt;
  {
    std::lock_guard lock(m_mutex);
    auto it = m_attempts.find(handle);
    attempt = it != m_attempts.end() ? it->second : parse_handle(handle);
  }
  request_stop(attempt.process);
  // Killing the podman client would leave its container running: remove it by name.
  if (!attempt.container.empty() && m_options.containers) m_options.containers->remove(attempt.container, m_options.grace);
}

bool LocalExecutor::reattach(const std::string& handle) {
  Attempt attempt = parse_handle(handle);
  if (!read_status(attempt.status_path) && !is_alive(attempt.process)) return false;
  std::lock_guard lock(m_mutex);
  m_attempts[handle] = attempt;
  hold(attempt, true);
  return true;
}

} // namespace gpurun::server
