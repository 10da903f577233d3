#pragma once
// Unsigned JWTs for unit tests: only the `exp` claim is ever read by gpurun.

#include <chrono>
#include <string>

namespace gpurun::test {

inline std::string base64url(const std::string& text) {
  static constexpr char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (unsigned char c : text) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += k_alphabet[(buffer >> bits) & 63];
    }
  }
  if (bits > 0) out += k_alphabet[(buffer << (6 - bits)) & 63];
  return out;
}

// A token for root that expires `seconds_from_now` from now (negative: already expired).
inline std::string test_jwt(long long seconds_from_now) {
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return base64url(R"({"alg":"HS256","typ":"JWT"})") + "." +
         base64url(R"({"exp":)" + std::to_string(now + seconds_from_now) + R"(,"iat":1,"sun":"root"})") + ".c2ln";
}

} // namespace gpurun::test
