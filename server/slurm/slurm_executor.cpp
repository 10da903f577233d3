#include "server/slurm/slurm_executor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>

#include "core/error.hpp"
#include "server/slurm/gres.hpp"
#include "server/slurm/job_script.hpp"
#include "server/slurm/job_status.hpp"

namespace gpurun::server::slurm {
namespace {

// slurmrestd holds a request up to slurmctld's MessageTimeout (10 s by default) when slurmctld
// does not answer: wait a little longer than that before calling it unreachable.
constexpr core::HttpTimeouts k_timeouts{std::chrono::milliseconds(3000), std::chrono::milliseconds(15'000)};
constexpr const char* k_default_path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Whether a node can start a job now. "allocated" means every CPU is taken: its free GPUs
// cannot be used until a job ends.
bool accepts_jobs(const SlurmNode& node) {
  if (node.state != "idle" && node.state != "mixed") return false;
  return std::none_of(node.state_flags.begin(), node.state_flags.end(), [](const std::string& flag) {
    for (const char* bad : {"DRAIN", "NOT_RESPONDING", "MAINT", "POWER", "FAIL", "REBOOT", "RESERVED"})
      if (flag.find(bad) != std::string::npos) return true;
    return false;
  });
}

Credentials make_credentials(const SlurmConfig& config) {
  if (config.url.empty()) throw Error("no slurmrestd URL (--slurm-url)", ErrorKind::invalid);
  return Credentials(config.user, config.token, config.token_file);
}

} // namespace

SlurmExecutor::SlurmExecutor(SlurmConfig config)
    : m_config(std::move(config)), m_own_client(std::make_unique<core::HttpClient>(k_timeouts)),
      m_credentials(make_credentials(m_config)),
      m_api(make_rest_api(m_config.api_version, m_config.url, *m_own_client, m_credentials)) {}

SlurmExecutor::SlurmExecutor(SlurmConfig config, core::HttpTransport& transport)
    : m_config(std::move(config)), m_credentials(make_credentials(m_config)),
      m_api(make_rest_api(m_config.api_version, m_config.url, transport, m_credentials)) {}

SlurmExecutor::~SlurmExecutor() = default;

core::Inventory SlurmExecutor::inventory() {
  std::lock_guard lock(m_mutex);
  core::Inventory inventory;
  for (const SlurmNode& node : m_api->nodes()) {
    if (!m_config.partition.empty() &&
        std::find(node.partitions.begin(), node.partitions.end(), m_config.partition) == node.partitions.end())
      continue;
    core::InventoryNode out;
    out.name = node.name;
    for (const GresEntry& entry : parse_gres(node.gres)) {
      std::optional<std::string> type = m_config.gres_types.to_catalog(entry.type);
      if (!type) {
        if (!m_warned[entry.type] && m_config.warn) {
          m_config.warn(entry.type.empty()
                            ? fmt::format("Slurm node {} has GPUs without a GRES type (gpu:{}); gpurun cannot tell "
                                          "their catalog type and leaves them out",
                                          node.name, entry.count)
                            : fmt::format("Slurm GRES type '{}' (node {}) maps to no catalog type; those GPUs are "
                                          "left out: map it, for example {}=A100-80GB",
                                          entry.type, node.name, entry.type));
        }
        m_warned[entry.type] = true;
        continue;
      }
      m_gres_spelling[*type] = entry.type;
      out.total[*type] += entry.count;
    }
    out.free = out.total;
    for (const GresEntry& entry : parse_gres(node.gres_used))
      if (std::optional<std::string> type = m_config.gres_types.to_catalog(entry.type); type && out.free.contains(*type))
        out.free[*type] = std::max(0, out.free[*type] - entry.count);
    if (!accepts_jobs(node))
      for (auto& [type, free] : out.free) free = 0;
    inventory.nodes.push_back(std::move(out));
  }
  return inventory;
}

std::vector<std::string> SlurmExecutor::notes() {
  core::Inventory cluster = inventory();
  std::map<std::string, int> totals;
  for (const core::InventoryNode& node : cluster.nodes)
    for (const auto& [type, count] : node.total) totals[type] += count;
  std::vector<std::string> gpus;
  for (const auto& [type, count] : totals) gpus.push_back(fmt::format("{} {}", count, type));
  return {fmt::format("Slurm at {} (slurmrestd {}, user {}): {} node{}: {}", m_config.url, m_api->version(),
                      m_credentials.user(), cluster.nodes.size(), cluster.nodes.size() == 1 ? "" : "s",
                      gpus.empty() ? "no GPUs of a catalog type" : fmt::format("{}", fmt::join(gpus, ", ")))};
}

JobRequest SlurmExecutor::job_request(const RunLaunch& launch) {
  if (!launch.image.is_host())
    throw Error(fmt::format("{}.{}: the Slurm executor runs functions on the cluster's nodes themselves and cannot "
                            "build or run the image '{}'; use `image: {{base: host}}` or the local executor",
                            launch.app, launch.function, launch.image.base),
                ErrorKind::invalid);
  JobRequest request;
  request.name = fmt::format("gpurun-{}-{}", launch.app, launch.function);
  request.comment = fmt::format("gpurun run {} attempt {}", launch.run_id, launch.attempt);
  request.script = job_script(launch);
  request.partition = m_config.partition;
  // The image's variables first, the function's over them; Slurm, not gpurun, chooses the device
  // indices, so a CUDA_VISIBLE_DEVICES from the caller would point at the wrong GPUs.
  for (const auto& [name, value] : launch.image.env) request.environment[name] = value;
  for (const auto& [name, value] : launch.env) request.environment[name] = value;
  request.environment.erase("CUDA_VISIBLE_DEVICES");
  request.environment.try_emplace("PATH", k_default_path);

  namespace fs = std::filesystem;
  fs::path out = launch.stdout_path.empty()
                     ? fs::path(m_config.work_dir.empty() ? fs::temp_directory_path() : fs::path(m_config.work_dir)) /
                           fmt::format("gpurun-{}-{}.out", launch.run_id, launch.attempt)
                     : fs::path(launch.stdout_path);
  out = fs::absolute(out);
  request.standard_output = out.string();
  if (!launch.stderr_path.empty() && fs::absolute(launch.stderr_path) != out)
    request.standard_error = fs::absolute(launch.stderr_path).string();
  if (launch.image.workdir) request.working_dir = *launch.image.workdir;
  else if (!m_config.work_dir.empty()) request.working_dir = fs::absolute(m_config.work_dir).string();
  else request.working_dir = out.parent_path().string();

  if (launch.placement.count > 0) {
    std::lock_guard lock(m_mutex);
    auto spelled = m_gres_spelling.find(launch.placement.type);
    std::string gres = spelled != m_gres_spelling.end() ? spelled->second : m_config.gres_types.to_gres(launch.placement.type);
    request.gpus_per_node = fmt::format("{}:{}", gres, launch.placement.count);
  }
  if (launch.timeout) {
    // Slurm counts whole minutes: round up, so a run is never cut before its timeout.
    auto minutes = (launch.timeout->count() + 59'999) / 60'000;
    request.time_limit_minutes = static_cast<int>(std::max<long long>(1, minutes));
  }
  return request;
}

std::string SlurmExecutor::start(const RunLaunch& launch) {
  JobRequest request = job_request(launch);
  std::lock_guard lock(m_mutex);
  long id = m_api->submit(request);
  m_placements[id] = launch.placement;
  return std::to_string(id);
}

ExecutorStatus SlurmExecutor::poll(const std::string& handle) {
  const long id = job_id(handle);
  SlurmJob job;
  std::lock_guard lock(m_mutex);
  try {
    job = m_api->job(id);
  } catch (const Error& error) {
    if (error.kind() != ErrorKind::not_found) throw;
    ExecutorStatus gone;
    gone.state = core::RunState::lost;
    gone.reason = fmt::format("Slurm no longer knows job {} (it forgets finished jobs after MinJobAge)", id);
    return gone;
  }
  ExecutorStatus status;
  status.state = run_state_for(job.state);
  status.reason = describe_job_state(job.state, job.state_reason);
  // A job waiting in Slurm's own queue is an attempt in flight: to the control plane it is
  // running (it polls running attempts and re-queues ended ones), with Slurm's reason to show.
  if (status.state == core::RunState::queued) status.state = core::RunState::running;
  if (core::is_terminal(status.state) && job.exit_code) {
    WaitStatus wait = decode_wait_status(*job.exit_code);
    status.exit_code = wait.exit_code;
    status.signal = wait.signal;
    // Worded as the local executor words it, so that a run reads the same wherever it ran.
    if (status.state == core::RunState::failed && status.reason.empty()) {
      if (wait.exit_code && *wait.exit_code != 0) status.reason = fmt::format("exited with code {}", *wait.exit_code);
      else if (wait.signal) status.reason = fmt::format("killed by signal {}", *wait.signal);
    }
  }
  if (!job.nodes.empty()) {
    core::Placement placement;
    if (auto known = m_placements.find(id); known != m_placements.end()) placement = known->second;
    placement.node = job.nodes;
    // gres_detail names the devices while the job runs; tres_per_node ("gres:gpu:h100:2") what
    // it asked for, and stays after the end.
    std::vector<GresEntry> gres;
    for (const std::string& detail : job.gres_detail)
      for (GresEntry& entry : parse_gres(detail)) gres.push_back(std::move(entry));
    if (gres.empty()) {
      std::string_view asked = job.tres_per_node;
      if (asked.starts_with("gres:")) asked.remove_prefix(5);
      gres = parse_gres(asked);
    }
    if (!gres.empty()) {
      if (auto type = m_config.gres_types.to_catalog(gres.front().type)) placement.type = *type;
      placement.count = gres.front().count;
    }
    status.placement = placement;
  }
  return status;
}

void SlurmExecutor::cancel(const std::string& handle) {
  const long id = job_id(handle);
  std::lock_guard lock(m_mutex);
  try {
    m_api->cancel(id);
  } catch (const Error& error) {
    if (error.kind() != ErrorKind::not_found) throw; // already gone: nothing to stop
  }
}

bool SlurmExecutor::reattach(const std::string& handle) {
  const long id = job_id(handle);
  std::lock_guard lock(m_mutex);
  try {
    m_api->job(id);
    return true;
  } catch (const Error& error) {
    if (error.kind() == ErrorKind::not_found) return false;
    // Slurm cannot be asked now: the job is most likely still there. Keep it; poll() reports
    // its fate (or `lost`) once slurmrestd answers again. Refused credentials stay an error.
    if (error.kind() == ErrorKind::unreachable) {
      if (m_config.warn) m_config.warn(fmt::format("re-attaching to Slurm job {}: {}; will ask again", id, error.what()));
      return true;
    }
    throw;
  }
}

long SlurmExecutor::job_id(const std::string& handle) const {
  long id = 0;
  auto [end, ec] = std::from_chars(handle.data(), handle.data() + handle.size(), id);
  if (ec != std::errc() || end != handle.data() + handle.size() || id <= 0)
    throw Error("'" + handle + "' is not a Slurm job id", ErrorKind::invalid);
  return id;
}

} // namespace gpurun::server::slurm
