// Deploying and reading apps, and planning against the live inventory.

#include "core/manifest_json.hpp"
#include "core/manifest_loader.hpp"
#include "server/api.hpp"
#include "server/api_helpers.hpp"
#include "server/schedules.hpp"

namespace gpurun::server {

using nlohmann::json;

namespace {

// Whether `text` nests arrays and objects deeper than `limit`, counting brackets outside strings.
// Checked before parsing: the JSON library parses any depth, but copying and printing a value
// recurse, and a 1 MiB body of '[' would overflow a thread's stack.
bool nests_deeper_than(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

} // namespace

json parse_body(const ApiRequest& request, bool allow_empty) {
  if (request.body.empty() && allow_empty) return json::object();
  if (nests_deeper_than(request.body, k_max_json_depth))
    throw ApiError(400, "invalid_json", "the request body nests deeper than " + std::to_string(k_max_json_depth) + " levels");
  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded()) throw ApiError(400, "invalid_json", "the request body is not valid JSON");
  if (!body.is_object()) throw ApiError(400, "invalid_json", "the request body must be a JSON object");
  return body;
}

const std::string& safe_param(const ApiRequest& request, const std::string& name) {
  const std::string& value = request.params.at(name);
  if (!is_safe_id(value))
    throw ApiError(400, "invalid_" + name, "'" + value + "' is not a valid " + name +
                                                " (letters, digits, '-', '_' and '.', not starting with '.')");
  return value;
}

core::Manifest validate_manifest(json body, const std::string& app) {
  if (!app.empty()) {
    if (body.contains("app") && body["app"] != app)
      throw ApiError(400, "app_mismatch", "the manifest names app " + body["app"].dump() + " but the URL names '" + app + "'");
    body["app"] = app;
  }
  // Indented, so that diagnostics point at a useful line of the JSON.
  core::ManifestLoad load = core::load_manifest_text(body.dump(2), (app.empty() ? "manifest" : app) + ".json");
  if (!load.manifest) {
    json errors = json::array();
    for (const Diagnostic& d : load.diagnostics) errors.push_back(core::to_json(d));
    std::string detail = load.diagnostics.empty() ? "the manifest is not valid" : load.diagnostics.front().message;
    if (load.diagnostics.size() > 1) detail += " (and " + std::to_string(load.diagnostics.size() - 1) + " more)";
    throw ApiError(422, "invalid_manifest", detail, {{"errors", errors}});
  }
  return std::move(*load.manifest);
}

namespace {

json app_json(const AppRecord& app, bool with_manifest) {
  json manifest = json::parse(app.manifest);
  json functions = json::array();
  for (const auto& [name, fn] : manifest["functions"].items()) functions.push_back(name);
  json out = {{"app", app.name},
              {"version", app.version},
              {"functions", functions},
              {"created_at", time_json(app.created_ms)},
              {"updated_at", time_json(app.updated_ms)}};
  if (with_manifest) out["manifest"] = manifest;
  return out;
}

} // namespace

ApiResponse Api::put_app(const ApiRequest& request) {
  const std::string& app = safe_param(request, "app");
  core::Manifest manifest = validate_manifest(parse_body(request, false), app);
  check_secrets(manifest); // at deploy time: a run must not be the first to find a secret missing
  json unsupported = json::array();
  std::string detail;
  for (const core::Function& fn : manifest.functions) {
    const std::string why = m_scheduler.unsupported(fn);
    if (why.empty()) continue;
    unsupported.push_back({{"function", fn.name}, {"detail", why}});
    detail += (detail.empty() ? "" : "; ") + ("function '" + fn.name + "': " + why);
  }
  if (!unsupported.empty())
    throw ApiError(422, "unsupported_field", detail + "; drop those fields to deploy on this server", {{"unsupported", unsupported}});
  check_blobs(manifest); // a run must not be the first to find a copied file missing
  const std::string version = core::manifest_version(manifest);
  Store::DeployOutcome outcome = m_store.deploy(app, version, core::to_json(manifest).dump());
  json functions = json::array();
  for (const core::Function& fn : manifest.functions) functions.push_back(fn.name);
  return json_response(outcome.created ? 201 : 200,
                       {{"app", app}, {"version", version}, {"changed", outcome.changed}, {"functions", functions}});
}

ApiResponse Api::get_app(const ApiRequest& request) {
  const std::string& name = safe_param(request, "app");
  std::optional<AppRecord> app = m_store.app(name);
  if (!app) throw ApiError(404, "app_not_found", "no app '" + name + "' is deployed");
  json out = app_json(*app, true);
  out["schedules"] = schedules_json(*app);
  return json_response(200, out);
}

ApiResponse Api::list_apps(const ApiRequest&) {
  json apps = json::array();
  for (const AppRecord& app : m_store.apps()) {
    apps.push_back(app_json(app, false));
    apps.back()["schedules"] = schedules_json(app);
  }
  return json_response(200, {{"apps", apps}});
}

json Api::schedules_json(const AppRecord& app) {
  json out = json::array();
  auto manifest = m_scheduler.manifest(app.name, app.version);
  if (!manifest) return out;
  for (const core::Function& fn : manifest->functions) {
    if (!fn.schedule) continue;
    std::optional<std::chrono::sys_seconds> next = m_schedules != nullptr ? m_schedules->next_tick(fn) : std::nullopt;
    out.push_back({{"function", fn.name},
                   {"schedule", *fn.schedule},
                   {"timezone", fn.timezone.value_or("UTC")},
                   {"next_tick", next ? time_json(next->time_since_epoch().count() * 1000) : json(nullptr)}});
  }
  return out;
}

ApiResponse Api::delete_app(const ApiRequest& request) {
  const std::string& name = safe_param(request, "app");
  if (!m_store.remove_app(name)) throw ApiError(404, "app_not_found", "no app '" + name + "' is deployed");
  return json_response(200, {{"app", name}, {"deleted", true}});
}

ApiResponse Api::plan(const ApiRequest& request) {
  core::Manifest manifest = validate_manifest(parse_body(request, false), "");
  core::Inventory inventory = m_scheduler.inventory();
  json functions = json::array();
  for (const core::Function& fn : manifest.functions) {
    core::Resolution resolution = core::resolve(fn.gpu, inventory);
    json item = core::to_json(resolution);
    item["name"] = fn.name;
    item["can_wait"] = resolution.can_wait();
    functions.push_back(item);
  }
  return json_response(200, {{"app", manifest.app}, {"simulated", inventory.simulated}, {"functions", functions}});
}

} // namespace gpurun::server
