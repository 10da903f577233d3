#pragma once
// A thin wrapper over the SQLite C API: one connection, cached prepared statements, and errors
// as gpurun::Error. sqlite3.h stays inside sqlite.cpp.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "server/storage_error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace gpurun::server {

// A prepared statement borrowed from a Database's cache: bind, step, read columns. Resets itself
// (and clears its bindings) when it goes out of scope, so the cached statement can be reused.
class Statement {
public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : m_db(db), m_stmt(stmt) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const std::optional<std::int64_t>& value);
  Statement& bind_null(int index);
  Statement& bind_text_or_null(int index, std::string_view value); // "" binds NULL

  // Advances to the next row: true when there is one. Throws gpurun::Error on failure.
  bool step();
  // Runs a statement that returns no rows.
  void run();

  std::int64_t integer(int column) const;
  std::optional<std::int64_t> optional_integer(int column) const;
  std::string text(int column) const; // "" for NULL

private:
  sqlite3* m_db;
  sqlite3_stmt* m_stmt;
};

enum class OpenMode { read_write, read_only };

class Database {
public:
  // Opens (creating when read_write) the database at `path`. Throws gpurun::Error.
  Database(const std::string& path, OpenMode mode);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void exec(const std::string& sql);
  // A statement from the cache, prepared on first use.
  Statement prepare(const std::string& sql);
  std::int64_t changes() const;

private:
  sqlite3* m_db = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> m_cache;
};

} // namespace gpurun::server
