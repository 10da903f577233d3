// Named secrets: set, list, read (names and keys only) and remove. No answer and no error of
// these routes carries a value.

#include "core/manifest.hpp"
#include "server/api.hpp"
#include "server/api_helpers.hpp"
#include "server/secret_store.hpp"

namespace gpurun::server {

using nlohmann::json;

namespace {

json secret_json(const SecretInfo& info) {
  return {{"name", info.name}, {"keys", info.keys}, {"updated_at", time_json(info.updated_ms)}};
}

const std::string& secret_name(const ApiRequest& request) {
  const std::string& name = request.params.at("name");
  if (!SecretStore::valid_name(name))
    throw ApiError(400, "invalid_name", "'" + name + "' is not a valid secret name (1 to 63 letters, digits, '-', '_' or '.', starting with a letter or digit)");
  return name;
}

} // namespace

SecretStore& Api::secrets() const {
  if (m_secrets == nullptr) throw ApiError(503, "secrets_unavailable", "this server keeps no secrets");
  return *m_secrets;
}

void Api::check_secrets(const core::Manifest& manifest) const {
  std::vector<std::string> missing;
  json details = json::array();
  for (const core::Function& fn : manifest.functions)
    for (const std::string& name : fn.secrets) {
      if (m_secrets != nullptr && m_secrets->info(name)) continue;
      details.push_back({{"function", fn.name}, {"secret", name}});
      missing.push_back("function '" + fn.name + "' needs secret '" + name + "'");
    }
  if (missing.empty()) return;
  std::string detail = missing.front();
  for (size_t i = 1; i < missing.size(); ++i) detail += ", " + missing[i];
  detail += missing.size() == 1 ? ", which does not exist" : ", which do not exist";
  detail += "; create it with `gpurun secret set NAME KEY=VALUE`";
  throw ApiError(422, "secret_not_found", detail, {{"missing", details}});
}

ApiResponse Api::put_secret(const ApiRequest& request) {
  const std::string& name = secret_name(request);
  json body = parse_body(request, false);
  if (!body.contains("values") || !body["values"].is_object())
    throw ApiError(400, "invalid_secret", "the body must be {\"values\": {\"KEY\": \"VALUE\", ...}}");
  std::map<std::string, std::string> values;
  for (const auto& [key, value] : body["values"].items()) {
    if (!value.is_string()) throw ApiError(400, "invalid_secret", "the value of " + key + " must be a string");
    values[key] = value.get<std::string>();
  }
  bool created = false;
  try {
    created = secrets().set(name, values);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::invalid) throw ApiError(400, "invalid_secret", e.what());
    throw;
  }
  return json_response(created ? 201 : 200, secret_json(*secrets().info(name)));
}

ApiResponse Api::get_secret(const ApiRequest& request) {
  const std::string& name = secret_name(request);
  std::optional<SecretInfo> info = secrets().info(name);
  if (!info) throw ApiError(404, "secret_not_found", "no secret '" + name + "'");
  return json_response(200, secret_json(*info));
}

ApiResponse Api::list_secrets(const ApiRequest&) {
  json out = json::array();
  for (const SecretInfo& info : secrets().list()) out.push_back(secret_json(info));
  return json_response(200, {{"secrets", out}});
}

ApiResponse Api::delete_secret(const ApiRequest& request) {
  const std::string& name = secret_name(request);
  if (!secrets().remove(name)) throw ApiError(404, "secret_not_found", "no secret '" + name + "'");
  return json_response(200, {{"name", name}, {"deleted", true}});
}

} // namespace gpurun::server
