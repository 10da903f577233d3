#include "server/blob_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/error.hpp"
#include "core/sha256.hpp"

namespace gpurun::server {
namespace fs = std::filesystem;
namespace {

constexpr const char* k_temp_prefix = "tmp-";
constexpr size_t k_write_size = 1 << 20;

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

} // namespace

BlobStore::BlobStore(std::string dir, std::uint64_t max_size) : m_dir(std::move(dir)), m_max_size(max_size) {
  std::error_code ec;
  fs::create_directories(m_dir, ec);
  if (ec) throw Error("cannot create the blob folder " + m_dir + ": " + ec.message());
  ::chmod(m_dir.c_str(), 0700);
  // One server owns the state folder, so a temporary file here is an upload that was cut short.
  for (const fs::directory_entry& entry : fs::directory_iterator(m_dir, ec))
    if (entry.path().filename().string().starts_with(k_temp_prefix)) fs::remove(entry.path(), ec);
}

std::optional<std::uint64_t> BlobStore::size(const std::string& sha256) const {
  struct stat st {};
  if (::stat(path(sha256).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return static_cast<std::uint64_t>(st.st_size);
}

BlobPut BlobStore::put(const std::string& sha256, const BodyReader& read) {
  BlobPut result;
  const bool exists = size(sha256).has_value();
  std::string temp = m_dir + "/" + k_temp_prefix + "XXXXXX";
  int fd = -1;
  if (!exists) {
    fd = ::mkstemp(temp.data()); // mode 0600
    if (fd < 0) throw Error("cannot create a file in " + m_dir + ": " + std::strerror(errno));
  }
  core::Sha256 hash;
  bool too_large = false;
  // The body arrives in pieces of a few kB: written in larger ones, it costs fewer system calls.
  std::string pending;
  auto flush = [&] {
    if (fd >= 0 && result.error == 0 && !write_all(fd, pending)) result.error = errno;
    pending.clear();
  };
  const bool whole = read([&](std::string_view data) {
    result.size += data.size();
    if (result.size > m_max_size) {
      too_large = true;
      return false; // reading on would only fill the disk
    }
    hash.update(data);
    pending.append(data);
    if (pending.size() >= k_write_size) flush();
    return true;
  });
  flush();
  result.sha256 = hash.hex();
  if (too_large) result.outcome = BlobPut::Outcome::too_large;
  else if (!whole) result.outcome = BlobPut::Outcome::incomplete;
  else if (result.sha256 != sha256) result.outcome = BlobPut::Outcome::hash_mismatch;
  else if (exists) result.outcome = BlobPut::Outcome::existed;
  else if (result.error != 0 || ::fsync(fd) != 0) {
    if (result.error == 0) result.error = errno;
    result.outcome = BlobPut::Outcome::write_failed;
  }
  if (fd >= 0) {
    ::close(fd);
    if (result.outcome == BlobPut::Outcome::stored) {
      if (::rename(temp.c_str(), path(sha256).c_str()) != 0) {
        result.error = errno;
        result.outcome = BlobPut::Outcome::write_failed;
      }
      // The folder is not synced: a rename lost in a crash is a blob the next deploy finds
      // missing and uploads again, and syncing it would double the cost of each small file.
    }
    if (result.outcome != BlobPut::Outcome::stored) ::unlink(temp.c_str());
  }
  return result;
}

} // namespace gpurun::server
