#include "server/scheduler.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "core/error.hpp"
#include "core/manifest_json.hpp"
#include "core/manifest_loader.hpp"
#include "core/units.hpp"
#include "server/secret_store.hpp"

namespace gpurun::server {
namespace {

std::string free_signature(const core::Inventory& inventory) {
  std::string out;
  for (const core::InventoryNode& node : inventory.nodes)
    for (const auto& [type, n] : node.free) out += fmt::format("{}/{}={};", node.name, type, n);
  return out;
}

std::int64_t retry_delay_ms(const core::RetryPolicy& policy, int failed_attempts) {
  double delay = static_cast<double>(policy.initial_delay.count()) * std::pow(policy.backoff, failed_attempts - 1);
  return static_cast<std::int64_t>(std::min(delay, static_cast<double>(policy.max_delay.count())));
}

// "not placed within 30s (queue_timeout): H100:2: 2 busy on hopper; L40S:4: ..." so that the
// run's reason alone says why, candidate by candidate; the candidates list has the same.
std::string queue_timeout_reason(const core::Function& fn, const core::Resolution& resolution) {
  std::string out = "not placed within " + core::format_duration(*fn.queue_timeout) + " (queue_timeout)";
  const char* sep = ": ";
  for (const core::Candidate& c : resolution.candidates) {
    out += sep + c.spec.to_string() + " " + std::string(core::to_string(c.status)) + (c.reason.empty() ? "" : " (" + c.reason + ")");
    sep = "; ";
  }
  if (resolution.candidates.empty()) out += ": no CPU-only slot was free";
  return out;
}

} // namespace

Scheduler::Scheduler(Store& store, Executor& executor, SchedulerOptions options)
    : m_store(store), m_executor(executor), m_options(std::move(options)),
      m_loop("scheduler", m_options.interval, [this] { background_pass(); }) {}

Scheduler::~Scheduler() { stop(); }

std::shared_ptr<const core::Manifest> Scheduler::manifest(const std::string& app, const std::string& version) {
  std::lock_guard lock(m_manifests_mutex);
  auto key = std::make_pair(app, version);
  if (auto it = m_manifests.find(key); it != m_manifests.end()) return it->second;
  std::optional<std::string> text = m_store.manifest(app, version);
  if (!text) return nullptr;
  core::ManifestLoad load = core::load_manifest_text(*text, app + ".json");
  if (!load.manifest) return nullptr;
  auto manifest = std::make_shared<const core::Manifest>(std::move(*load.manifest));
  m_manifests[key] = manifest;
  return manifest;
}

void Scheduler::start(bool background) {
  std::lock_guard lock(m_mutex);
  for (RunRecord& run : m_store.active_runs()) {
    if (run.state == core::RunState::queued) {
      insert_queued(run);
    } else if (run.handle.empty()) {
      finish(run, core::RunState::lost, "the server stopped while starting this run; it may or may not have begun");
      record_attempt_end(run, ExecutorStatus{core::RunState::lost, {}, {}, run.reason, {}});
    } else if (m_executor.reattach(run.handle)) {
      m_running[run.id] = run;
    } else {
      finish(run, core::RunState::lost, "the server restarted and the run's process could not be recovered");
      record_attempt_end(run, ExecutorStatus{core::RunState::lost, {}, {}, run.reason, {}});
    }
  }
  m_full_scan = true;
  if (background) m_loop.start();
}

void Scheduler::stop() { m_loop.stop(); }

void Scheduler::background_pass() {
  try {
    tick();
  } catch (const std::exception&) {
    // A pass the store stopped (a full disk, say) left runs untried: the next pass tries them all.
    std::lock_guard lock(m_mutex);
    m_full_scan = true;
    throw;
  }
}

void Scheduler::tick() {
  std::lock_guard lock(m_mutex);
  const std::int64_t now = now_ms();
  poll_running(now);
  place_queued(now);
}

void Scheduler::insert_queued(RunRecord run) {
  const std::int64_t seq = run.seq;
  m_queue.insert_or_assign(seq, std::move(run));
  m_fresh.push_back(seq);
}

void Scheduler::enqueue(RunRecord run) {
  {
    std::lock_guard lock(m_mutex);
    insert_queued(std::move(run));
  }
  m_loop.wake();
}

void Scheduler::finish(RunRecord& run, core::RunState state, std::string reason) {
  run.state = state;
  run.reason = std::move(reason);
  run.handle.clear();
  run.finished_ms = now_ms();
  m_store.save(run);
}

void Scheduler::poll_running(std::int64_t now) {
  std::vector<std::string> ended;
  for (auto& [id, run] : m_running) {
    ExecutorStatus status = m_executor.poll(run.handle);
    auto manifest = this->manifest(run.app, run.version);
    const core::Function* fn = manifest ? manifest->find_function(run.function) : nullptr;
    // An executor that knows better where the attempt landed (Slurm's nodes and gres_detail) and
    // why it waits has the last word over the resolver's guess.
    bool changed = false;
    if (status.placement && (!run.placement || run.placement->node != status.placement->node ||
                             run.placement->type != status.placement->type)) {
      run.placement = status.placement;
      changed = true;
    }
    // Its reason goes too once the wait is over (a Slurm job that left the queue), unless a stop
    // was asked for, whose reason ("cancel requested") stays until the end.
    if (status.state == core::RunState::running && run.stop == StopReason::none && run.reason != status.reason) {
      run.reason = status.reason;
      changed = true;
    }
    if (changed) m_store.save(run);
    if (status.state == core::RunState::running) {
      if (fn != nullptr && fn->timeout && run.stop == StopReason::none && now - run.started_ms > fn->timeout->count()) {
        run.stop = StopReason::timeout;
        m_store.save(run);
        m_executor.cancel(run.handle);
      }
      continue;
    }
    end_attempt(run, status, fn);
    ended.push_back(id);
  }
  for (const std::string& id : ended) m_running.erase(id);
  if (!ended.empty()) m_full_scan = true;
}

void Scheduler::end_attempt(RunRecord& run, const ExecutorStatus& status, const core::Function* fn) {
  run.exit_code = status.exit_code;
  run.signal = status.signal;
  record_attempt_end(run, status);
  if (run.stop == StopReason::cancel) return finish(run, core::RunState::cancelled, "cancelled");
  if (run.stop == StopReason::timeout) {
    std::string limit = fn != nullptr && fn->timeout ? core::format_duration(*fn->timeout) : "its limit";
    return finish(run, core::RunState::timed_out, "timed out after " + limit);
  }
  if (status.state == core::RunState::succeeded) return finish(run, core::RunState::succeeded, "");
  if (status.state == core::RunState::lost) return finish(run, core::RunState::lost, status.reason);
  const int max_retries = fn != nullptr ? fn->retries.max_retries : 0;
  if (run.attempt <= max_retries) {
    const std::int64_t delay = retry_delay_ms(fn->retries, run.attempt);
    run.state = core::RunState::queued;
    run.handle.clear();
    run.not_before_ms = now_ms() + delay;
    run.reason = fmt::format("attempt {} {}; retry {} of {} in {}", run.attempt, status.reason, run.attempt,
                             max_retries, core::format_duration(std::chrono::milliseconds(delay)));
    m_store.save(run);
    insert_queued(run);
    m_next_due_ms = m_next_due_ms == 0 ? run.not_before_ms : std::min(m_next_due_ms, run.not_before_ms);
    return;
  }
  finish(run, core::RunState::failed, status.reason);
}

void Scheduler::place_queued(std::int64_t now) {
  if (m_queue.empty()) {
    m_fresh.clear();
    return;
  }
  core::Inventory inventory = m_executor.inventory();
  std::string signature = free_signature(inventory);
  const bool due = m_next_due_ms != 0 && now >= m_next_due_ms;
  const bool full = m_full_scan || due || signature != m_last_signature;
  m_last_signature = signature;
  if (!full && m_fresh.empty()) return;

  std::vector<std::int64_t> order;
  if (full) {
    m_full_scan = false;
    m_next_due_ms = 0;
    order.reserve(m_queue.size());
    for (const auto& [seq, run] : m_queue) order.push_back(seq);
  } else {
    order = std::move(m_fresh);
    std::sort(order.begin(), order.end());
    order.erase(std::unique(order.begin(), order.end()), order.end());
  }
  m_fresh.clear(); // runs queued during this pass (a failed start to retry) are fresh for the next

  auto due_at = [this](std::int64_t ms) { m_next_due_ms = m_next_due_ms == 0 ? ms : std::min(m_next_due_ms, ms); };
  auto fail_queued = [this](std::map<std::int64_t, RunRecord>::iterator it, std::string reason) {
    finish(it->second, core::RunState::failed, std::move(reason));
    m_queue.erase(it);
  };
  std::set<std::string> not_fitting; // chains that did not fit during this pass
  for (std::int64_t seq : order) {
    auto it = m_queue.find(seq);
    if (it == m_queue.end()) continue;
    RunRecord& run = it->second;
    if (run.not_before_ms > now) {
      due_at(run.not_before_ms);
      continue;
    }
    const std::string key = run.app + '\n' + run.version + '\n' + run.function;
    auto manifest = this->manifest(run.app, run.version);
    const core::Function* fn = manifest ? manifest->find_function(run.function) : nullptr;
    if (fn == nullptr) {
      fail_queued(it, "its app version or function can no longer be loaded");
      continue;
    }
    // The wait counts from when this attempt could first start: submission, or a retry's delay end.
    const std::int64_t deadline = fn->queue_timeout ? std::max(run.created_ms, run.not_before_ms) + fn->queue_timeout->count() : 0;
    if (not_fitting.contains(key) && (deadline == 0 || now < deadline)) continue;
    core::Resolution resolution = core::resolve(fn->gpu, inventory);
    if (!resolution.placement) {
      if (!resolution.can_wait()) {
        run.candidates = core::to_json(resolution)["candidates"];
        fail_queued(it, "no GPU in its chain can be placed on this executor's inventory");
        continue;
      }
      if (deadline != 0 && now >= deadline) {
        run.candidates = core::to_json(resolution)["candidates"];
        fail_queued(it, queue_timeout_reason(*fn, resolution));
        continue;
      }
      if (deadline != 0) due_at(deadline);
      not_fitting.insert(key);
      continue;
    }
    core::apply_placement(inventory, *resolution.placement);
    RunRecord placed = std::move(run);
    m_queue.erase(it);
    try {
      launch(placed, resolution, *fn, *manifest, inventory);
    } catch (...) {
      // The store failed before the process started (a full disk, say): the run stays queued.
      const std::int64_t queued_seq = placed.seq;
      m_queue.insert_or_assign(queued_seq, std::move(placed));
      throw;
    }
  }
}

void Scheduler::launch(const RunRecord& queued, const core::Resolution& resolution, const core::Function& fn,
                       const core::Manifest& manifest, core::Inventory& inventory) {
  const core::Placement& placement = *resolution.placement;
  RunRecord run = queued;
  run.attempt += 1;
  run.state = core::RunState::running;
  run.placement = placement;
  run.candidates = core::to_json(resolution)["candidates"];
  run.started_ms = now_ms();
  run.finished_ms = 0;
  run.handle.clear();
  run.stop = StopReason::none;
  run.exit_code.reset();
  run.signal.reset();
  run.reason.clear();
  m_store.save(run); // before the process exists: a crash from here on loses the run, never doubles it

  const std::filesystem::path dir = std::filesystem::path(m_options.runs_dir) / run.id;
  record_attempt_start(run, dir);
  RunLaunch launch;
  launch.run_id = run.id;
  launch.attempt = run.attempt;
  launch.app = run.app;
  launch.function = run.function;
  launch.command = fn.command;
  launch.command.insert(launch.command.end(), run.args.begin(), run.args.end());
  launch.env = fn.env;
  const std::string secret_error = add_secrets(fn, launch.env);
  launch.env["GPURUN_RUN_ID"] = run.id;
  launch.env["GPURUN_APP"] = run.app;
  launch.env["GPURUN_FUNCTION"] = run.function;
  launch.env["GPURUN_ATTEMPT"] = std::to_string(run.attempt);
  launch.env["GPURUN_GPU_TYPE"] = placement.type;
  launch.env["GPURUN_GPU_COUNT"] = std::to_string(placement.count);
  launch.env["GPURUN_NODE"] = placement.node;
  launch.env["GPURUN_FALLBACK_RANK"] = std::to_string(placement.rank);
  launch.env["GPURUN_GPU_UPGRADE"] = placement.fit == gpu_spec::Fit::upgrade ? "1" : "0";
  launch.env["GPURUN_GPUS_SIMULATED"] = m_executor.simulated() ? "1" : "0";
  launch.placement = placement;
  launch.timeout = fn.timeout;
  launch.image = manifest.image_for(fn);
  if (fn.smoke) launch.smoke_chain = fn.gpu;
  launch.stdout_path = (dir / "stdout").string();
  launch.stderr_path = (dir / "stderr").string();
  try {
    if (!secret_error.empty()) throw Error(secret_error);
    std::filesystem::create_directories(dir);
    run.handle = m_executor.start(launch);
  } catch (const std::exception& e) {
    core::apply_placement(inventory, placement, -1);
    ExecutorStatus status{core::RunState::failed, std::nullopt, std::nullopt, std::string("could not start: ") + e.what(), {}};
    end_attempt(run, status, &fn);
    return;
  }
  const std::string id = run.id;
  RunRecord& running = m_running[id];
  running = std::move(run);
  try {
    m_store.save(running);
  } catch (const std::exception& e) {
    // The process runs: it is followed, and its end is saved when the store works again.
    fmt::print(stderr, "gpurun serve: scheduler: cannot save the start of run {}: {}\n", running.id, e.what());
  }
}

void Scheduler::record_attempt_start(const RunRecord& run, const std::filesystem::path& dir) {
  AttemptRecord attempt;
  attempt.run_id = run.id;
  attempt.attempt = run.attempt;
  attempt.state = core::RunState::running;
  attempt.placement = run.placement;
  attempt.started_ms = run.started_ms;
  // Where this attempt's output will begin in the files every attempt appends to.
  std::error_code ec;
  auto size_of = [&](const char* stream) {
    auto size = std::filesystem::file_size(dir / stream, ec);
    return ec ? std::int64_t{0} : static_cast<std::int64_t>(size);
  };
  attempt.stdout_offset = size_of("stdout");
  attempt.stderr_offset = size_of("stderr");
  m_store.save_attempt(attempt);
}

void Scheduler::record_attempt_end(const RunRecord& run, const ExecutorStatus& status) {
  if (run.attempt < 1) return;
  AttemptRecord attempt;
  attempt.run_id = run.id;
  attempt.attempt = run.attempt;
  attempt.exit_code = status.exit_code;
  attempt.signal = status.signal;
  attempt.reason = status.reason;
  attempt.placement = run.placement;
  attempt.started_ms = run.started_ms;
  attempt.finished_ms = now_ms();
  attempt.state = run.stop == StopReason::cancel    ? core::RunState::cancelled
                  : run.stop == StopReason::timeout ? core::RunState::timed_out
                                                    : status.state;
  if (attempt.state == core::RunState::timed_out) attempt.reason = "timed out";
  m_store.save_attempt(attempt);
}

std::string Scheduler::add_secrets(const core::Function& fn, std::map<std::string, std::string>& env) {
  // Later secrets win over earlier ones and all of them over the function's env; the GPURUN_*
  // variables set after this win over everything.
  for (const std::string& name : fn.secrets) {
    std::optional<std::map<std::string, std::string>> values;
    try {
      if (m_secrets != nullptr) values = m_secrets->values(name);
    } catch (const Error& e) {
      return e.what(); // names the file, never a value
    }
    if (!values) return "secret '" + name + "' no longer exists; set it again with `gpurun secret set " + name + " KEY=VALUE`";
    for (auto& [key, value] : *values) env[key] = std::move(value);
  }
  return "";
}

RunRecord Scheduler::cancel(const std::string& id) {
  std::lock_guard lock(m_mutex);
  if (auto it = m_running.find(id); it != m_running.end()) {
    RunRecord& run = it->second;
    if (run.stop == StopReason::none) {
      run.stop = StopReason::cancel;
      run.reason = "cancel requested";
      m_store.save(run);
      m_executor.cancel(run.handle);
    }
    return run;
  }
  auto it = std::find_if(m_queue.begin(), m_queue.end(), [&](const auto& entry) { return entry.second.id == id; });
  if (it != m_queue.end()) {
    RunRecord run = std::move(it->second);
    m_queue.erase(it);
    finish(run, core::RunState::cancelled, "cancelled while queued");
    return run;
  }
  std::optional<RunRecord> run = m_store.run(id);
  if (!run) throw Error("no run '" + id + "'", ErrorKind::not_found);
  return *run;
}

core::Inventory Scheduler::inventory() { return m_executor.inventory(); }
bool Scheduler::simulated() const { return m_executor.simulated(); }

std::string Scheduler::log_path(const std::string& run_id, const std::string& stream) const {
  return (std::filesystem::path(m_options.runs_dir) / run_id / stream).string();
}

} // namespace gpurun::server
