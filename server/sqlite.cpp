#include "server/sqlite.hpp"

#include <sqlite3.h>

#include <cerrno>

#include "core/error.hpp"

namespace gpurun::server {
namespace {

// Throws StorageError for failures of the disk or folder, Error otherwise. SQLite reports a write
// past a file-size or quota limit as an I/O error; the system's errno tells it from a broken disk.
[[noreturn]] void throw_error(sqlite3* db, const std::string& message) {
  const int code = db != nullptr ? sqlite3_errcode(db) : SQLITE_NOMEM;
  const int system = db != nullptr ? sqlite3_system_errno(db) : 0;
  if (code == SQLITE_FULL || (code == SQLITE_IOERR && (system == ENOSPC || system == EFBIG || system == EDQUOT)))
    throw StorageError(message, StorageFailure::full);
  if (code == SQLITE_READONLY || ((code == SQLITE_IOERR || code == SQLITE_CANTOPEN) && system == EROFS))
    throw StorageError(message, StorageFailure::read_only);
  if (code == SQLITE_IOERR || code == SQLITE_CANTOPEN) {
    // The errno SQLite keeps may be another call's; the disk itself can tell a full one.
    const char* file = sqlite3_db_filename(db, "main");
    const auto failure = file != nullptr && file[0] != '\0' ? storage_failure_at(file) : std::nullopt;
    throw StorageError(message, failure.value_or(StorageFailure::io));
  }
  throw Error(message);
}

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw_error(db, "state database: " + what + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

} // namespace

Statement::~Statement() {
  sqlite3_reset(m_stmt);
  sqlite3_clear_bindings(m_stmt);
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(m_stmt, index, value) != SQLITE_OK) fail(m_db, "bind");
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  if (sqlite3_bind_text64(m_stmt, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8) != SQLITE_OK)
    fail(m_db, "bind");
  return *this;
}

Statement& Statement::bind(int index, const std::optional<std::int64_t>& value) {
  return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind_null(int index) {
  if (sqlite3_bind_null(m_stmt, index) != SQLITE_OK) fail(m_db, "bind");
  return *this;
}

Statement& Statement::bind_text_or_null(int index, std::string_view value) {
  return value.empty() ? bind_null(index) : bind(index, value);
}

bool Statement::step() {
  int rc = sqlite3_step(m_stmt);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(m_db, "step");
}

void Statement::run() {
  while (step()) {
  }
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(m_stmt, column); }

std::optional<std::int64_t> Statement::optional_integer(int column) const {
  if (sqlite3_column_type(m_stmt, column) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(m_stmt, column);
}

std::string Statement::text(int column) const {
  const unsigned char* text = sqlite3_column_text(m_stmt, column);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(sqlite3_column_bytes(m_stmt, column)));
}

Database::Database(const std::string& path, OpenMode mode) {
  int flags = mode == OpenMode::read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  // Each connection is used by one thread at a time: the library's own locking is not needed.
  flags |= SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &m_db, flags, nullptr) != SQLITE_OK) {
    std::string message = m_db != nullptr ? sqlite3_errmsg(m_db) : "out of memory";
    const bool storage = m_db != nullptr && sqlite3_errcode(m_db) != SQLITE_NOMEM;
    sqlite3_close(m_db);
    message = "cannot open the state database " + path + ": " + message;
    if (storage) throw StorageError(message, StorageFailure::io);
    throw Error(message);
  }
  sqlite3_busy_timeout(m_db, 5000);
}

Database::~Database() {
  for (auto& [sql, stmt] : m_cache) sqlite3_finalize(stmt);
  sqlite3_close(m_db);
}

void Database::exec(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    throw_error(m_db, "state database: " + text);
  }
}

Statement Database::prepare(const std::string& sql) {
  auto it = m_cache.find(sql);
  if (it == m_cache.end()) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(m_db, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK)
      fail(m_db, "prepare");
    it = m_cache.emplace(sql, stmt).first;
  }
  return Statement(m_db, it->second);
}

std::int64_t Database::changes() const { return sqlite3_changes64(m_db); }

} // namespace gpurun::server
