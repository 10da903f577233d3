#pragma once
// Unpredictable identifiers from the system's cryptographic generator (OpenSSL): bearer tokens,
// idempotency keys and run ids, none of which may be guessable.

#include <string>

namespace gpurun::core {

// `bytes` random bytes as lower-case hex. Throws gpurun::Error when the generator fails.
std::string random_hex(int bytes);

// Compares two secrets in time that does not depend on where they differ.
bool equal_secrets(const std::string& a, const std::string& b);

} // namespace gpurun::core
