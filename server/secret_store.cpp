#include "server/secret_store.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.hpp"
#include "core/local_paths.hpp"
#include "core/schema_walker.hpp"
#include "server/run_record.hpp"
#include "server/storage_error.hpp"

namespace gpurun::server {

using nlohmann::json;

SecretStore::SecretStore(std::string dir) : m_dir(std::move(dir)) {
  std::error_code ec;
  std::filesystem::create_directories(m_dir, ec);
  if (ec) throw Error("cannot create the secrets folder " + m_dir + ": " + ec.message());
  ::chmod(m_dir.c_str(), 0700);
}

bool SecretStore::valid_name(const std::string& name) { return core::is_valid_name(name, true); }

std::string SecretStore::path_of(const std::string& name) const { return m_dir + "/" + name + ".json"; }

bool SecretStore::set(const std::string& name, const std::map<std::string, std::string>& values) {
  if (!valid_name(name))
    throw Error("secret name '" + name + "' must be 1 to 63 letters, digits, '-', '_' or '.', starting with a letter or digit",
                ErrorKind::invalid);
  if (values.empty()) throw Error("secret '" + name + "' needs at least one KEY=VALUE", ErrorKind::invalid);
  if (values.size() > k_max_secret_keys)
    throw Error("secret '" + name + "' has " + std::to_string(values.size()) + " keys; the limit is " +
                    std::to_string(k_max_secret_keys),
                ErrorKind::invalid);
  size_t bytes = 0;
  for (const auto& [key, value] : values) {
    if (!core::is_valid_env_name(key))
      throw Error("secret key '" + key + "' is not an environment variable name (letters, digits and '_', not starting with a digit)",
                  ErrorKind::invalid);
    // An environment cannot carry a NUL; say which key without showing the value.
    if (value.find('\0') != std::string::npos)
      throw Error("the value of " + key + " contains a NUL byte, which an environment variable cannot hold", ErrorKind::invalid);
    bytes += value.size();
  }
  if (bytes > k_max_secret_bytes)
    throw Error("secret '" + name + "' holds " + std::to_string(bytes) + " bytes; the limit is " +
                    std::to_string(k_max_secret_bytes),
                ErrorKind::invalid);
  json doc = {{"values", values}, {"updated_ms", now_ms()}};
  std::lock_guard lock(m_mutex);
  const bool created = !std::filesystem::exists(path_of(name));
  try {
    core::write_file_atomic(path_of(name), doc.dump() + "\n", 0600);
  } catch (const Error& e) {
    if (auto failure = storage_failure_at(m_dir)) throw StorageError(e.what(), *failure);
    throw;
  }
  return created;
}

bool SecretStore::remove(const std::string& name) {
  if (!valid_name(name)) return false;
  std::lock_guard lock(m_mutex);
  return ::unlink(path_of(name).c_str()) == 0;
}

namespace {

std::optional<json> read_doc(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream buffer;
  buffer << in.rdbuf();
  json doc = json::parse(buffer.str(), nullptr, false);
  // A damaged file is reported by name only: its text may hold values.
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("values") || !doc["values"].is_object())
    throw Error("the secret file " + path + " is damaged; set the secret again");
  return doc;
}

SecretInfo info_of(const std::string& name, const json& doc) {
  SecretInfo info;
  info.name = name;
  for (const auto& [key, value] : doc["values"].items()) info.keys.push_back(key);
  std::sort(info.keys.begin(), info.keys.end());
  info.updated_ms = doc.value("updated_ms", std::int64_t{0});
  return info;
}

} // namespace

std::optional<SecretInfo> SecretStore::info(const std::string& name) {
  if (!valid_name(name)) return std::nullopt;
  std::optional<json> doc = read_doc(path_of(name));
  if (!doc) return std::nullopt;
  return info_of(name, *doc);
}

std::vector<SecretInfo> SecretStore::list() {
  std::vector<SecretInfo> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(m_dir, ec)) {
    const std::string file = entry.path().filename().string();
    if (!file.ends_with(".json")) continue; // temporary files of a write in progress
    const std::string name = file.substr(0, file.size() - 5);
    if (!valid_name(name)) continue;
    if (std::optional<json> doc = read_doc(entry.path().string())) out.push_back(info_of(name, *doc));
  }
  std::sort(out.begin(), out.end(), [](const SecretInfo& a, const SecretInfo& b) { return a.name < b.name; });
  return out;
}

std::optional<std::map<std::string, std::string>> SecretStore::values(const std::string& name) {
  if (!valid_name(name)) return std::nullopt;
  std::optional<json> doc = read_doc(path_of(name));
  if (!doc) return std::nullopt;
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : (*doc)["values"].items())
    if (value.is_string()) out[key] = value.get<std::string>();
  return out;
}

} // namespace gpurun::server
