#pragma once
// SHA-256 fed piece by piece, for bytes that are too large to hold at once (uploaded blobs,
// files copied into a build context).

#include <memory>
#include <string>
#include <string_view>

namespace gpurun::core {

class Sha256 {
public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view data);
  // The digest in lower-case hex; the hasher cannot be updated after.
  std::string hex();

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// Whether `text` is a SHA-256 as gpurun writes it: 64 lower-case hex digits.
bool is_sha256_hex(std::string_view text);

} // namespace gpurun::core
