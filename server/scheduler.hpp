#pragma once
// The scheduler: places queued runs with the foundation's resolver against the executor's live
// inventory, starts them, follows them to their end, and applies each function's timeout and
// retry policy. Every state change is saved to the store before it is acted on or reported.
//
// Order: queued runs are tried in submission order, each run's chain in its own order; a run
// that does not fit now does not hold back a later one that does (backfill). A pass re-tries
// the whole queue only when capacity may have grown (a run ended, the inventory changed, a
// retry delay ran out); otherwise it only tries runs that arrived since the last pass, so a long
// queue costs nothing per submission. Within one pass a chain that did not fit is not tried again
// (the inventory only shrinks during a pass).
//
// Restart: runs stored as running are re-attached through their executor handle; those that
// cannot be become `lost`. Queued runs simply wait again. A run's attempt is saved as running
// before its process starts, so a crash in between can lose it but never start it twice.

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/manifest.hpp"
#include "server/executor.hpp"
#include "server/periodic.hpp"
#include "server/store.hpp"

namespace gpurun::server {

class SecretStore;

struct SchedulerOptions {
  std::string runs_dir; // each run's logs and exit status: runs_dir/<id>/
  std::chrono::milliseconds interval{200}; // how often running attempts are polled
};

class Scheduler {
public:
  Scheduler(Store& store, Executor& executor, SchedulerOptions options);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Re-attaches what was running and loads the queue; with `background`, starts the loop.
  void start(bool background = true);
  void stop();

  // Where functions' secrets come from; without one, a function naming a secret cannot start.
  void set_secrets(SecretStore* secrets) { m_secrets = secrets; }

  // Takes a run that was just stored as queued.
  void enqueue(RunRecord run);
  // Cancels a queued run at once, or asks a running one to stop. Returns the record as it
  // stands now. Throws gpurun::Error (not_found) for an unknown run.
  RunRecord cancel(const std::string& id);
  // One pass: poll running attempts, then place what can be placed. For tests.
  void tick();

  core::Inventory inventory();
  bool simulated() const;
  // Executor::unsupported for `fn`.
  std::string unsupported(const core::Function& fn) const { return m_executor.unsupported(fn); }
  std::string executor_name() const { return m_executor.name(); }
  std::string log_path(const std::string& run_id, const std::string& stream) const;
  // The manifest a run was submitted against; nullptr when it cannot be loaded.
  std::shared_ptr<const core::Manifest> manifest(const std::string& app, const std::string& version);

private:
  void background_pass();
  void poll_running(std::int64_t now);
  void place_queued(std::int64_t now);
  // Starts an attempt of `queued`. Throws when the store fails before the process starts (the
  // caller keeps the run queued); once it has started, the run is followed whatever happens.
  void launch(const RunRecord& queued, const core::Resolution& resolution, const core::Function& fn,
              const core::Manifest& manifest, core::Inventory& inventory);
  void end_attempt(RunRecord& run, const ExecutorStatus& status, const core::Function* fn);
  void insert_queued(RunRecord run);
  void finish(RunRecord& run, core::RunState state, std::string reason);
  // The attempts table (Store::save_attempt): an attempt's start, with its log offsets, and end.
  void record_attempt_start(const RunRecord& run, const std::filesystem::path& dir);
  void record_attempt_end(const RunRecord& run, const ExecutorStatus& status);
  // Adds the values of fn's secrets to `env`; returns why it could not (a secret removed since
  // the deploy, a damaged file), or "".
  std::string add_secrets(const core::Function& fn, std::map<std::string, std::string>& env);

  Store& m_store;
  Executor& m_executor;
  SchedulerOptions m_options;
  SecretStore* m_secrets = nullptr;

  std::mutex m_mutex;

  // Queued runs by seq. A pass tries either all of them (capacity changed, a retry came due) or
  // only the fresh ones, which arrive out of seq order under concurrent submissions; runs that
  // stay queued are never moved, so a pass costs what it tries, not the queue's length.
  std::map<std::int64_t, RunRecord> m_queue;
  std::vector<std::int64_t> m_fresh; // seqs not tried since the last full pass
  bool m_full_scan = true;
  std::int64_t m_next_due_ms = 0; // earliest retry delay end among queued runs
  std::string m_last_signature;   // the free GPUs at the last pass
  std::map<std::string, RunRecord> m_running;

  std::mutex m_manifests_mutex;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<const core::Manifest>> m_manifests;

  Periodic m_loop; // last: stopped before the members its passes use go
};

} // namespace gpurun::server
