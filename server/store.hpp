#pragma once
// The control plane's durable state: deployed apps (every version a run may still need) and runs,
// in one SQLite database in WAL mode.
//
// Durability: a call that writes returns only after its transaction is committed with
// synchronous=FULL, so an acknowledged deploy or submission survives kill -9 and power loss.
// Writes from all threads go through one writer thread that commits whatever is waiting as one
// transaction (group commit): one fsync then serves many requests, which is what lets a 2-core
// machine accept thousands of durable submissions per second. Each write runs inside its own
// savepoint, so one failing write does not undo the others of its group. Reads use a small pool
// of read-only connections and never wait for the writer (WAL readers see the last commit).

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "server/run_record.hpp"
#include "server/sqlite.hpp"

namespace gpurun::server {

struct AppRecord {
  std::string name;
  std::string version;
  std::string manifest; // canonical JSON text
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
};

struct RunFilter {
  std::string app;                     // "" for all
  std::optional<core::RunState> state; // nullopt for all
  int limit = 100;
};

enum class SubmitOutcome { created, replayed, key_conflict };

class Store {
public:
  // Opens or creates the database at `path`. Throws gpurun::Error.
  explicit Store(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Stores `manifest` as the app's current version; `changed` is false when it already was.
  struct DeployOutcome {
    bool changed = false;
    bool created = false; // the app did not exist
  };
  DeployOutcome deploy(const std::string& app, const std::string& version, const std::string& manifest);
  std::optional<AppRecord> app(const std::string& name);
  // The manifest text of one version of an app, also after the app moved on or was deleted.
  std::optional<std::string> manifest(const std::string& app, const std::string& version);
  std::vector<AppRecord> apps();
  bool remove_app(const std::string& name);

  // Inserts `run` unless a run with the same idempotency key exists: then that run is returned
  // (replayed), or key_conflict when the key came with a different request (`request_hash`).
  // `run.seq` is assigned here.
  std::pair<SubmitOutcome, RunRecord> submit(RunRecord run, const std::string& request_hash);
  std::optional<RunRecord> run(const std::string& id);
  // Newest first.
  std::vector<RunRecord> runs(const RunFilter& filter);
  // Queued and running runs, in submission order (for the scheduler after a restart).
  std::vector<RunRecord> active_runs();
  // Writes every mutable field of an existing run.
  void save(const RunRecord& run);

private:
  struct Write;
  void write(const std::function<void(Database&)>& fn);
  void writer_loop();

  class Reader; // a pooled read connection, returned on destruction
  Reader reader();

  std::string m_path;
  std::unique_ptr<Database> m_writer;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  std::deque<Write*> m_pending;
  bool m_stopping = false;
  std::thread m_thread;

  std::mutex m_readers_mutex;
  std::vector<std::unique_ptr<Database>> m_readers;
};

} // namespace gpurun::server
