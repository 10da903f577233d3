#include "server/store.hpp"

#include <exception>
#include <future>

#include "core/error.hpp"

namespace gpurun::server {
namespace {

constexpr size_t k_max_group = 1024; // writes per transaction, to bound its latency

const char* const k_schema = R"sql(
CREATE TABLE IF NOT EXISTS apps(
  name TEXT PRIMARY KEY, version TEXT NOT NULL, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS versions(
  app TEXT NOT NULL, version TEXT NOT NULL, manifest TEXT NOT NULL, created_ms INTEGER NOT NULL,
  PRIMARY KEY(app, version));
CREATE TABLE IF NOT EXISTS runs(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  app TEXT NOT NULL, function TEXT NOT NULL, version TEXT NOT NULL, args TEXT NOT NULL,
  state TEXT NOT NULL, attempt INTEGER NOT NULL, exit_code INTEGER, signal INTEGER, reason TEXT,
  placement TEXT, candidates TEXT, handle TEXT, stop TEXT,
  idempotency_key TEXT UNIQUE, request_hash TEXT,
  created_ms INTEGER NOT NULL, started_ms INTEGER NOT NULL, finished_ms INTEGER NOT NULL,
  not_before_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS runs_by_state ON runs(state, seq);
CREATE INDEX IF NOT EXISTS runs_by_app ON runs(app, seq);
CREATE TABLE IF NOT EXISTS attempts(
  run_id TEXT NOT NULL, attempt INTEGER NOT NULL, state TEXT NOT NULL, exit_code INTEGER, signal INTEGER,
  reason TEXT NOT NULL, placement TEXT, started_ms INTEGER NOT NULL, finished_ms INTEGER NOT NULL,
  stdout_offset INTEGER NOT NULL, stderr_offset INTEGER NOT NULL, PRIMARY KEY(run_id, attempt));
CREATE TABLE IF NOT EXISTS schedules(
  app TEXT NOT NULL, function TEXT NOT NULL, version TEXT NOT NULL, since_ms INTEGER NOT NULL,
  last_tick_s INTEGER NOT NULL, PRIMARY KEY(app, function));
)sql";

const std::string k_run_columns =
    "seq, id, app, function, version, args, state, attempt, exit_code, signal, reason, placement, "
    "candidates, handle, stop, idempotency_key, created_ms, started_ms, finished_ms, not_before_ms";

RunRecord read_run(const Statement& s) {
  RunRecord run;
  run.seq = s.integer(0);
  run.id = s.text(1);
  run.app = s.text(2);
  run.function = s.text(3);
  run.version = s.text(4);
  run.args = nlohmann::json::parse(s.text(5)).get<std::vector<std::string>>();
  run.state = core::parse_run_state(s.text(6)).value_or(core::RunState::lost);
  run.attempt = static_cast<int>(s.integer(7));
  if (auto v = s.optional_integer(8)) run.exit_code = static_cast<int>(*v);
  if (auto v = s.optional_integer(9)) run.signal = static_cast<int>(*v);
  run.reason = s.text(10);
  run.placement = parse_placement(s.text(11));
  std::string candidates = s.text(12);
  run.candidates = candidates.empty() ? nlohmann::json::array() : nlohmann::json::parse(candidates);
  run.handle = s.text(13);
  run.stop = parse_stop_reason(s.text(14));
  run.idempotency_key = s.text(15);
  run.created_ms = s.integer(16);
  run.started_ms = s.integer(17);
  run.finished_ms = s.integer(18);
  run.not_before_ms = s.integer(19);
  return run;
}

std::optional<std::int64_t> optional_int(const std::optional<int>& value) {
  if (!value) return std::nullopt;
  return static_cast<std::int64_t>(*value);
}

void configure(Database& db) {
  db.exec("PRAGMA journal_mode=WAL");
  // FULL: every commit is fsynced before a request is acknowledged, so acknowledged work also
  // survives a power cut, not only kill -9; group commit pays for it.
  db.exec("PRAGMA synchronous=FULL");
}

} // namespace

struct Store::Write {
  const std::function<void(Database&)>* fn = nullptr;
  std::promise<void> done;
};

class Store::Reader {
public:
  Reader(Store& store, std::unique_ptr<Database> db) : m_store(store), m_db(std::move(db)) {}
  ~Reader() {
    std::lock_guard lock(m_store.m_readers_mutex);
    m_store.m_readers.push_back(std::move(m_db));
  }
  Reader(Reader&&) = default;
  Database& operator*() { return *m_db; }
  Database* operator->() { return m_db.get(); }

private:
  Store& m_store;
  std::unique_ptr<Database> m_db;
};

Store::Store(const std::string& path) : m_path(path) {
  m_writer = std::make_unique<Database>(path, OpenMode::read_write);
  configure(*m_writer);
  m_writer->exec(k_schema);
  m_thread = std::thread([this] { writer_loop(); });
}

Store::~Store() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_cv.notify_all();
  m_thread.join();
}

Store::Reader Store::reader() {
  {
    std::lock_guard lock(m_readers_mutex);
    if (!m_readers.empty()) {
      auto db = std::move(m_readers.back());
      m_readers.pop_back();
      return Reader(*this, std::move(db));
    }
  }
  auto db = std::make_unique<Database>(m_path, OpenMode::read_only);
  return Reader(*this, std::move(db));
}

void Store::write(const std::function<void(Database&)>& fn) {
  Write w;
  w.fn = &fn;
  std::future<void> done = w.done.get_future();
  {
    std::lock_guard lock(m_mutex);
    if (m_stopping) throw Error("the state database is closing");
    m_pending.push_back(&w);
  }
  m_cv.notify_one();
  done.get(); // rethrows the write's own error
}

void Store::writer_loop() {
  for (;;) {
    std::vector<Write*> group;
    {
      std::unique_lock lock(m_mutex);
      m_cv.wait(lock, [this] { return m_stopping || !m_pending.empty(); });
      if (m_pending.empty()) return; // stopping, and nothing left to write
      while (!m_pending.empty() && group.size() < k_max_group) {
        group.push_back(m_pending.front());
        m_pending.pop_front();
      }
    }
    std::vector<std::exception_ptr> errors(group.size());
    std::exception_ptr commit_error;
    try {
      m_writer->exec("BEGIN IMMEDIATE");
      for (size_t i = 0; i < group.size(); ++i) {
        m_writer->exec("SAVEPOINT w");
        try {
          (*group[i]->fn)(*m_writer);
          m_writer->exec("RELEASE w");
        } catch (...) {
          errors[i] = std::current_exception();
          try {
            m_writer->exec("ROLLBACK TO w");
            m_writer->exec("RELEASE w");
          } catch (...) {
            // SQLite ends the whole transaction on some failures (a full disk): then every write
            // of the group fails, with this write's error rather than "no such savepoint".
            std::rethrow_exception(errors[i]);
          }
        }
      }
      m_writer->exec("COMMIT");
    } catch (...) {
      commit_error = std::current_exception();
      try {
        m_writer->exec("ROLLBACK");
      } catch (...) { // NOLINT: nothing more to do when even the rollback fails
      }
    }
    for (size_t i = 0; i < group.size(); ++i) {
      if (commit_error) group[i]->done.set_exception(commit_error);
      else if (errors[i]) group[i]->done.set_exception(errors[i]);
      else group[i]->done.set_value();
    }
  }
}

Store::DeployOutcome Store::deploy(const std::string& app, const std::string& version, const std::string& manifest) {
  DeployOutcome outcome;
  std::function<void(Database&)> fn = [&](Database& db) {
    const std::int64_t now = now_ms();
    std::string current;
    {
      Statement s = db.prepare("SELECT version FROM apps WHERE name = ?");
      s.bind(1, app);
      if (s.step()) current = s.text(0);
      else outcome.created = true;
    }
    outcome.changed = current != version;
    if (!outcome.changed) return;
    db.prepare("INSERT OR IGNORE INTO versions(app, version, manifest, created_ms) VALUES (?, ?, ?, ?)")
        .bind(1, app).bind(2, version).bind(3, manifest).bind(4, now).run();
    db.prepare("INSERT INTO apps(name, version, created_ms, updated_ms) VALUES (?, ?, ?, ?) "
               "ON CONFLICT(name) DO UPDATE SET version = excluded.version, updated_ms = excluded.updated_ms")
        .bind(1, app).bind(2, version).bind(3, now).bind(4, now).run();
  };
  write(fn);
  return outcome;
}

std::optional<AppRecord> Store::app(const std::string& name) {
  Reader db = reader();
  Statement s = db->prepare("SELECT a.name, a.version, v.manifest, a.created_ms, a.updated_ms FROM apps a "
                            "JOIN versions v ON v.app = a.name AND v.version = a.version WHERE a.name = ?");
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return AppRecord{s.text(0), s.text(1), s.text(2), s.integer(3), s.integer(4)};
}

std::optional<std::string> Store::manifest(const std::string& app, const std::string& version) {
  Reader db = reader();
  Statement s = db->prepare("SELECT manifest FROM versions WHERE app = ? AND version = ?");
  s.bind(1, app).bind(2, version);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

std::vector<AppRecord> Store::apps() {
  Reader db = reader();
  Statement s = db->prepare("SELECT a.name, a.version, v.manifest, a.created_ms, a.updated_ms FROM apps a "
                            "JOIN versions v ON v.app = a.name AND v.version = a.version ORDER BY a.name");
  std::vector<AppRecord> out;
  while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2), s.integer(3), s.integer(4)});
  return out;
}

bool Store::remove_app(const std::string& name) {
  bool removed = false;
  // The versions stay: runs already submitted still need their manifest.
  std::function<void(Database&)> fn = [&](Database& db) {
    db.prepare("DELETE FROM apps WHERE name = ?").bind(1, name).run();
    removed = db.changes() > 0;
  };
  write(fn);
  return removed;
}

std::pair<SubmitOutcome, RunRecord> Store::submit(RunRecord run, const std::string& request_hash) {
  SubmitOutcome outcome = SubmitOutcome::created;
  std::function<void(Database&)> fn = [&](Database& db) {
    if (!run.idempotency_key.empty()) {
      Statement s = db.prepare("SELECT " + k_run_columns + ", request_hash FROM runs WHERE idempotency_key = ?");
      s.bind(1, run.idempotency_key);
      if (s.step()) {
        outcome = s.text(20) == request_hash ? SubmitOutcome::replayed : SubmitOutcome::key_conflict;
        run = read_run(s);
        return;
      }
    }
    Statement s = db.prepare(
        "INSERT INTO runs(id, app, function, version, args, state, attempt, reason, candidates, idempotency_key, "
        "request_hash, created_ms, started_ms, finished_ms, not_before_ms) "
        "VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, 0, 0, 0) RETURNING seq");
    s.bind(1, run.id).bind(2, run.app).bind(3, run.function).bind(4, run.version);
    s.bind(5, nlohmann::json(run.args).dump()).bind(6, core::to_string(run.state)).bind(7, run.reason);
    s.bind(8, run.candidates.dump()).bind_text_or_null(9, run.idempotency_key).bind(10, request_hash);
    s.bind(11, run.created_ms);
    if (s.step()) run.seq = s.integer(0);
  };
  write(fn);
  return {outcome, std::move(run)};
}

std::optional<RunRecord> Store::run(const std::string& id) {
  Reader db = reader();
  Statement s = db->prepare("SELECT " + k_run_columns + " FROM runs WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_run(s);
}

std::vector<RunRecord> Store::runs(const RunFilter& filter) {
  Reader db = reader();
  Statement s = db->prepare("SELECT " + k_run_columns + " FROM runs WHERE (?1 IS NULL OR app = ?1) AND "
                            "(?2 IS NULL OR state = ?2) ORDER BY seq DESC LIMIT ?3");
  s.bind_text_or_null(1, filter.app);
  if (filter.state) s.bind(2, core::to_string(*filter.state));
  s.bind(3, static_cast<std::int64_t>(filter.limit));
  std::vector<RunRecord> out;
  while (s.step()) out.push_back(read_run(s));
  return out;
}

std::vector<RunRecord> Store::active_runs() {
  Reader db = reader();
  Statement s = db->prepare("SELECT " + k_run_columns + " FROM runs WHERE state IN ('queued', 'running') ORDER BY seq");
  std::vector<RunRecord> out;
  while (s.step()) out.push_back(read_run(s));
  return out;
}

void Store::save(const RunRecord& run) {
  std::function<void(Database&)> fn = [&](Database& db) {
    Statement s = db.prepare(
        "UPDATE runs SET state = ?, attempt = ?, exit_code = ?, signal = ?, reason = ?, placement = ?, "
        "candidates = ?, handle = ?, stop = ?, started_ms = ?, finished_ms = ?, not_before_ms = ? WHERE id = ?");
    s.bind(1, core::to_string(run.state)).bind(2, static_cast<std::int64_t>(run.attempt));
    s.bind(3, optional_int(run.exit_code)).bind(4, optional_int(run.signal)).bind(5, run.reason);
    s.bind_text_or_null(6, placement_text(run.placement)).bind(7, run.candidates.dump());
    s.bind_text_or_null(8, run.handle).bind_text_or_null(9, to_string(run.stop));
    s.bind(10, run.started_ms).bind(11, run.finished_ms).bind(12, run.not_before_ms).bind(13, run.id);
    s.run();
    if (db.changes() == 0) throw Error("no run " + run.id + " to update", ErrorKind::not_found);
  };
  write(fn);
}

void Store::save_attempt(const AttemptRecord& a) {
  std::function<void(Database&)> fn = [&](Database& db) {
    Statement s = db.prepare(
        "INSERT INTO attempts(run_id, attempt, state, exit_code, signal, reason, placement, started_ms, finished_ms, "
        "stdout_offset, stderr_offset) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(run_id, attempt) DO UPDATE SET state = excluded.state, exit_code = excluded.exit_code, "
        "signal = excluded.signal, reason = excluded.reason, finished_ms = excluded.finished_ms");
    s.bind(1, a.run_id).bind(2, static_cast<std::int64_t>(a.attempt)).bind(3, core::to_string(a.state));
    s.bind(4, optional_int(a.exit_code)).bind(5, optional_int(a.signal)).bind(6, a.reason);
    s.bind_text_or_null(7, placement_text(a.placement)).bind(8, a.started_ms).bind(9, a.finished_ms);
    s.bind(10, a.stdout_offset).bind(11, a.stderr_offset);
    s.run();
  };
  write(fn);
}

std::vector<AttemptRecord> Store::attempts(const std::string& run_id) {
  Reader db = reader();
  Statement s = db->prepare("SELECT attempt, state, exit_code, signal, reason, placement, started_ms, finished_ms, "
                            "stdout_offset, stderr_offset FROM attempts WHERE run_id = ? ORDER BY attempt");
  s.bind(1, run_id);
  std::vector<AttemptRecord> out;
  while (s.step()) {
    AttemptRecord a;
    a.run_id = run_id;
    a.attempt = static_cast<int>(s.integer(0));
    a.state = core::parse_run_state(s.text(1)).value_or(core::RunState::lost);
    if (auto v = s.optional_integer(2)) a.exit_code = static_cast<int>(*v);
    if (auto v = s.optional_integer(3)) a.signal = static_cast<int>(*v);
    a.reason = s.text(4);
    a.placement = parse_placement(s.text(5));
    a.started_ms = s.integer(6);
    a.finished_ms = s.integer(7);
    a.stdout_offset = s.integer(8);
    a.stderr_offset = s.integer(9);
    out.push_back(std::move(a));
  }
  return out;
}

std::optional<Store::ScheduleState> Store::schedule_state(const std::string& app, const std::string& function) {
  Reader db = reader();
  Statement s = db->prepare("SELECT version, since_ms, last_tick_s FROM schedules WHERE app = ? AND function = ?");
  s.bind(1, app).bind(2, function);
  if (!s.step()) return std::nullopt;
  return ScheduleState{s.text(0), s.integer(1), s.integer(2)};
}

void Store::save_schedule_state(const std::string& app, const std::string& function, const ScheduleState& state) {
  std::function<void(Database&)> fn = [&](Database& db) {
    db.prepare("INSERT INTO schedules(app, function, version, since_ms, last_tick_s) VALUES (?, ?, ?, ?, ?) "
               "ON CONFLICT(app, function) DO UPDATE SET version = excluded.version, since_ms = excluded.since_ms, "
               "last_tick_s = excluded.last_tick_s")
        .bind(1, app).bind(2, function).bind(3, state.version).bind(4, state.since_ms).bind(5, state.last_tick_s).run();
  };
  write(fn);
}

} // namespace gpurun::server
