#include "core/random.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <vector>

#include "core/error.hpp"

namespace gpurun::core {

std::string random_hex(int bytes) {
  std::vector<unsigned char> buffer(static_cast<size_t>(bytes));
  if (RAND_bytes(buffer.data(), bytes) != 1) throw Error("the system's random generator failed");
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : buffer) {
    out += k_hex[c >> 4];
    out += k_hex[c & 15];
  }
  return out;
}

bool equal_secrets(const std::string& a, const std::string& b) {
  // The length of a token is not secret; its content is.
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace gpurun::core
