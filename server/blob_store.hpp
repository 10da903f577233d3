#pragma once
// The server's store of uploaded files ("blobs"), each named by the SHA-256 of its bytes: what
// the copy steps of deployed apps build from (docs/images.md). The folder is mode 0700 and each
// blob 0600. A body is written to a temporary file while it is hashed and renamed to its name
// only when the hash is the one asked for, so a blob that exists is whole and correct.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace gpurun::server {

// Receives a request body piece by piece; returns false to stop reading.
using BodySink = std::function<bool(std::string_view)>;
// Feeds a request body to a sink, in order; false when the body could not be read whole (the
// client went away, or the sink stopped).
using BodyReader = std::function<bool(const BodySink&)>;

struct BlobPut {
  enum class Outcome { stored, existed, hash_mismatch, too_large, incomplete, write_failed };
  Outcome outcome = Outcome::stored;
  std::uint64_t size = 0;  // bytes received
  std::string sha256;      // of the bytes received (hash_mismatch says what they were)
  int error = 0;           // errno of write_failed
};

class BlobStore {
public:
  // Creates `dir` (0700) and removes the temporary files an interrupted upload left. Throws Error.
  BlobStore(std::string dir, std::uint64_t max_size);

  // The size of blob `sha256` (64 lower-case hex digits, checked by the caller), or nullopt.
  std::optional<std::uint64_t> size(const std::string& sha256) const;
  std::string path(const std::string& sha256) const { return m_dir + "/" + sha256; }
  const std::string& dir() const { return m_dir; }
  std::uint64_t max_size() const { return m_max_size; }

  // Reads a body into blob `sha256`. The body is always hashed; it is kept only when its hash is
  // `sha256` and it is not stored yet. A body over max_size() is not read further (too_large);
  // nothing of a refused body stays on disk.
  BlobPut put(const std::string& sha256, const BodyReader& read);

private:
  std::string m_dir;
  std::uint64_t m_max_size;
};

} // namespace gpurun::server
