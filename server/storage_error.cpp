#include "server/storage_error.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

namespace gpurun::server {

std::optional<StorageFailure> storage_failure_at(const std::string& path) {
  std::error_code ec;
  const std::string dir = std::filesystem::is_directory(path, ec) ? path : std::filesystem::path(path).parent_path().string();
  struct statvfs fs {};
  if (::statvfs(dir.c_str(), &fs) == 0) {
    if ((fs.f_flag & ST_RDONLY) != 0) return StorageFailure::read_only;
    // Less than a megabyte left: whatever failed to be written did not fit.
    if (static_cast<unsigned long long>(fs.f_bavail) * fs.f_frsize < (1u << 20)) return StorageFailure::full;
  }
  if (::access(dir.c_str(), W_OK) != 0 && errno == EROFS) return StorageFailure::read_only;
  return std::nullopt;
}

} // namespace gpurun::server
