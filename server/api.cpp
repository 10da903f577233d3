#include "server/api.hpp"

#include <sstream>

#include "core/error.hpp"
#include "core/manifest_json.hpp"
#include "core/random.hpp"

namespace gpurun::server {

using nlohmann::json;

struct Api::Route {
  const char* method;
  const char* path; // segments; {name} captures one
  bool needs_auth;
  ApiResponse (Api::*handler)(const ApiRequest&);
  bool streams_body = false;
};

const std::vector<Api::Route>& Api::routes() {
  static const std::vector<Route> k_routes = {
      {"GET", "/v1/health", false, &Api::health},
      {"GET", "/v1/openapi.json", true, &Api::openapi},
      {"GET", "/v1/inventory", true, &Api::inventory},
      {"POST", "/v1/plan", true, &Api::plan},
      {"GET", "/v1/apps", true, &Api::list_apps},
      {"PUT", "/v1/apps/{app}", true, &Api::put_app},
      {"GET", "/v1/apps/{app}", true, &Api::get_app},
      {"DELETE", "/v1/apps/{app}", true, &Api::delete_app},
      {"POST", "/v1/apps/{app}/functions/{function}/runs", true, &Api::submit_run},
      {"GET", "/v1/runs", true, &Api::list_runs},
      {"GET", "/v1/runs/{id}", true, &Api::get_run},
      {"POST", "/v1/runs/{id}/cancel", true, &Api::cancel_run},
      {"GET", "/v1/runs/{id}/logs", true, &Api::run_logs},
      {"GET", "/v1/secrets", true, &Api::list_secrets},
      {"PUT", "/v1/secrets/{name}", true, &Api::put_secret},
      {"GET", "/v1/secrets/{name}", true, &Api::get_secret},
      {"DELETE", "/v1/secrets/{name}", true, &Api::delete_secret},
      {"HEAD", "/v1/blobs/{sha256}", true, &Api::head_blob},
      {"PUT", "/v1/blobs/{sha256}", true, &Api::put_blob, true},
  };
  return k_routes;
}

std::vector<std::pair<std::string, std::string>> Api::route_names() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Route& r : routes()) out.emplace_back(r.method, r.path);
  return out;
}

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream in(path);
  std::string part;
  std::getline(in, part, '/'); // before the leading '/'
  while (std::getline(in, part, '/')) parts.push_back(part);
  if (!path.empty() && path.back() == '/') parts.push_back("");
  return parts;
}

// Fills `params` when `path` fits the template.
bool match(const char* pattern, const std::vector<std::string>& parts, std::map<std::string, std::string>& params) {
  std::vector<std::string> want = split_path(pattern);
  if (want.size() != parts.size()) return false;
  std::map<std::string, std::string> captured;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i].size() > 2 && want[i].front() == '{' && want[i].back() == '}') {
      if (parts[i].empty()) return false;
      captured[want[i].substr(1, want[i].size() - 2)] = parts[i];
    } else if (want[i] != parts[i]) {
      return false;
    }
  }
  params = std::move(captured);
  return true;
}

const char* title_for(int status) {
  switch (status) {
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 408: return "Request Timeout";
  case 409: return "Conflict";
  case 413: return "Payload Too Large";
  case 414: return "URI Too Long";
  case 415: return "Unsupported Media Type";
  case 422: return "Unprocessable Content";
  case 431: return "Request Header Fields Too Large";
  case 503: return "Service Unavailable";
  case 507: return "Insufficient Storage";
  default: return status >= 500 ? "Internal Server Error" : "Error";
  }
}

} // namespace

std::string ApiRequest::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

ApiResponse json_response(int status, const json& body) {
  ApiResponse response;
  response.status = status;
  response.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return response;
}

ApiResponse problem_response(int status, const std::string& code, const std::string& detail, const json& extra) {
  json body = {{"type", "urn:gpurun:problem:" + code},
               {"title", title_for(status)},
               {"status", status},
               {"code", code},
               {"detail", detail}};
  for (const auto& [k, v] : extra.items()) body[k] = v;
  ApiResponse response = json_response(status, body);
  response.content_type = "application/problem+json";
  return response;
}

Api::Api(Store& store, Scheduler& scheduler, ApiOptions options)
    : m_store(store), m_scheduler(scheduler), m_options(std::move(options)) {}

void Api::authenticate(const ApiRequest& request) const {
  if (m_options.token.empty()) return;
  const std::string header = request.header("authorization");
  const std::string prefix = "Bearer ";
  if (!header.starts_with(prefix))
    throw ApiError(401, "unauthorized", "this server needs a bearer token (Authorization: Bearer TOKEN)");
  if (!core::equal_secrets(header.substr(prefix.size()), m_options.token))
    throw ApiError(401, "unauthorized", "the bearer token is not this server's");
}

ApiResponse Api::handle(ApiRequest request) {
  try {
    // A token in a URL ends up in logs, proxies and shell history: refused on every route, so
    // that the habit cannot start.
    for (const char* name : {"token", "access_token", "api_key"})
      if (request.query.contains(name))
        throw ApiError(400, "token_in_url", std::string("a token is never accepted in the URL (query parameter '") + name +
                                                "'); send it in the Authorization: Bearer header");
    const std::vector<std::string> parts = split_path(request.path);
    std::vector<std::string> allowed;
    for (const Route& route : routes()) {
      std::map<std::string, std::string> params;
      if (!match(route.path, parts, params)) continue;
      if (request.method != route.method) {
        allowed.push_back(route.method);
        continue;
      }
      if (route.needs_auth) authenticate(request);
      request.params = std::move(params);
      return (this->*route.handler)(request);
    }
    if (!allowed.empty()) {
      std::string allow;
      for (const std::string& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
      ApiResponse response = problem_response(405, "method_not_allowed",
                                              request.method + " is not allowed on " + request.path + "; use " + allow);
      response.headers.emplace_back("Allow", allow);
      return response;
    }
    return problem_response(404, "not_found", "no such route: " + request.method + " " + request.path);
  } catch (const ApiError& e) {
    ApiResponse response = problem_response(e.status(), e.code(), e.what(), e.extra());
    if (e.status() == 401) response.headers.emplace_back("WWW-Authenticate", "Bearer");
    return response;
  } catch (const StorageError& e) {
    if (e.failure() == StorageFailure::full)
      return problem_response(507, "storage_full", std::string("the server's state folder is full; nothing was stored (") + e.what() + ")");
    if (e.failure() == StorageFailure::read_only)
      return problem_response(503, "storage_read_only", std::string("the server's state folder is read-only; nothing was stored (") + e.what() + ")");
    return problem_response(503, "storage_failed", std::string("the server cannot use its state folder (") + e.what() + ")");
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::not_found) return problem_response(404, "not_found", e.what());
    return problem_response(500, "internal", e.what());
  } catch (const std::exception& e) {
    return problem_response(500, "internal", std::string("internal error: ") + e.what());
  }
}

bool Api::streams_body(const std::string& method, const std::string& path) {
  const std::vector<std::string> parts = split_path(path);
  for (const Route& route : routes()) {
    std::map<std::string, std::string> params;
    if (route.streams_body && method == route.method && match(route.path, parts, params)) return true;
  }
  return false;
}

ApiResponse Api::health(const ApiRequest&) {
  return json_response(200, {{"status", "ok"},
                             {"version", m_options.server_version},
                             {"executor", m_scheduler.executor_name()},
                             {"simulated", m_scheduler.simulated()}});
}

ApiResponse Api::openapi(const ApiRequest&) {
  ApiResponse response;
  response.body = std::string(openapi_document());
  return response;
}

ApiResponse Api::inventory(const ApiRequest&) {
  core::Inventory inventory = m_scheduler.inventory();
  json nodes = json::array();
  for (const core::InventoryNode& node : inventory.nodes) {
    json gpus = json::array();
    for (const auto& [type, total] : node.total)
      gpus.push_back({{"type", type}, {"total", total}, {"free", node.free_of(type)}});
    nodes.push_back({{"name", node.name}, {"gpus", gpus}});
  }
  return json_response(200, {{"simulated", inventory.simulated}, {"nodes", nodes}});
}

} // namespace gpurun::server
