#pragma once
// Named secrets: small maps of environment variables (KEY -> value) that runs of the functions
// naming them receive. One file per secret, STATE/secrets/NAME.json, mode 0600 in a 0700 folder,
// replaced atomically; they are kept out of the SQLite database so that the database, its
// backups and its WAL never hold a value.
//
// Values leave this class only through values(), for the executor's environment. Everything
// that lists secrets (and every error message) names secrets and keys, never a value.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace gpurun::server {

struct SecretInfo {
  std::string name;
  std::vector<std::string> keys; // sorted
  std::int64_t updated_ms = 0;
};

// Limits that keep one secret an environment, not a file store.
inline constexpr size_t k_max_secret_keys = 100;
inline constexpr size_t k_max_secret_bytes = 64 * 1024; // all values of one secret together

class SecretStore {
public:
  // Creates `dir` (mode 0700) when missing. Throws gpurun::Error when it cannot.
  explicit SecretStore(std::string dir);

  // Replaces the secret `name` with exactly `values`; true when it did not exist. Throws
  // gpurun::Error (invalid) for a bad name, key or size, naming the key but never a value.
  bool set(const std::string& name, const std::map<std::string, std::string>& values);
  // False when there was no such secret.
  bool remove(const std::string& name);
  std::optional<SecretInfo> info(const std::string& name);
  std::vector<SecretInfo> list();
  // The values of `name`; nullopt when it does not exist.
  std::optional<std::map<std::string, std::string>> values(const std::string& name);

  // Checks a secret's name: the manifest's rule (1 to 63 letters, digits, '-', '_', '.').
  static bool valid_name(const std::string& name);

private:
  std::string path_of(const std::string& name) const;

  std::string m_dir;
  std::mutex m_mutex; // one writer at a time per process; readers see whole files (rename)
};

} // namespace gpurun::server
