#pragma once
// A failure of the storage under the state folder rather than of the request: the disk is full,
// the folder is read-only, or I/O failed. Nothing of the failed write was stored; the API answers
// these with their own codes (507 storage_full, 503 storage_read_only or storage_failed) instead of
// a generic internal error.

#include <optional>
#include <string>

#include "core/error.hpp"

namespace gpurun::server {

enum class StorageFailure { full, read_only, io };

class StorageError : public Error {
public:
  StorageError(const std::string& message, StorageFailure failure) : Error(message), m_failure(failure) {}
  StorageFailure failure() const { return m_failure; }

private:
  StorageFailure m_failure;
};

// The kind of storage failure behind a failed write to `path` (a file or folder), judged from the
// disk it is on: full when no block is free, read-only when the folder cannot be written; nullopt
// when neither explains it.
std::optional<StorageFailure> storage_failure_at(const std::string& path);

} // namespace gpurun::server
