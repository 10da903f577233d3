#pragma once
// The HTTP API of ../docs/api.md as plain functions from request to response, independent of
// the HTTP library (http_server.cpp adapts cpp-httplib to it), so tests can call it directly.
// Errors are application/problem+json with a stable `code`.

#include <atomic>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/blob_store.hpp"
#include "server/scheduler.hpp"
#include "server/store.hpp"


namespace gpurun::server {

class SecretStore;
class Schedules;

struct ApiRequest {
  std::string method;
  std::string path;                          // decoded
  std::map<std::string, std::string> query;  // decoded; the first of repeated names
  std::map<std::string, std::string> headers; // names in lower case
  std::string body;
  // For a route that streams its body (Api::streams_body), the body is not in `body` but read
  // through this, piece by piece; when it is empty, `body` holds it (tests).
  BodyReader read_body;
  std::map<std::string, std::string> params; // path segments captured by the route

  std::string header(const std::string& lower_name) const;
};

// A streamed body: called once, writes chunks until done or until `write` returns false (the
// client went away).
using BodyStream = std::function<void(const std::function<bool(std::string_view)>& write)>;

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  BodyStream stream;
};

// A 4xx or 5xx answer; `code` is stable, `detail` is for people.
class ApiError : public std::runtime_error {
public:
  ApiError(int status, std::string code, const std::string& detail, nlohmann::json extra = nlohmann::json::object())
      : std::runtime_error(detail), m_status(status), m_code(std::move(code)), m_extra(std::move(extra)) {}
  int status() const { return m_status; }
  const std::string& code() const { return m_code; }
  const nlohmann::json& extra() const { return m_extra; }

private:
  int m_status;
  std::string m_code;
  nlohmann::json m_extra;
};

ApiResponse problem_response(int status, const std::string& code, const std::string& detail,
                             const nlohmann::json& extra = nlohmann::json::object());
ApiResponse json_response(int status, const nlohmann::json& body);

struct ApiOptions {
  std::string token;  // "" disables auth (unit tests only; `gpurun serve` always sets one)
  std::string server_version;
  std::chrono::milliseconds follow_poll{100}; // how often a followed log looks for more output
  // Logs followed at once; each holds one of the HTTP server's workers, so this must stay below
  // their number for the others to be served (503 too_many_follows beyond it).
  int max_follows = 32;
};

class Api {
public:
  Api(Store& store, Scheduler& scheduler, ApiOptions options);

  // Without secrets, the secret routes answer 503 and deploying a function that names a secret
  // fails; without schedules, apps show no next tick.
  void set_secrets(SecretStore* secrets) { m_secrets = secrets; }
  void set_schedules(Schedules* schedules) { m_schedules = schedules; }
  // Without a blob store, blob uploads answer 503 and deploying an image that copies files fails.
  void set_blobs(BlobStore* blobs) { m_blobs = blobs; }

  // Routes, authenticates and answers; never throws.
  ApiResponse handle(ApiRequest request);
  // Ends followed log streams (at shutdown).
  void stop() { m_stopping = true; }

  // Every route as (method, path template), for the OpenAPI check.
  static std::vector<std::pair<std::string, std::string>> route_names();
  // Whether the route of `method` `path` reads its body as a stream (blob uploads, whose bodies
  // may be far larger than the JSON body limit), rather than from ApiRequest::body.
  static bool streams_body(const std::string& method, const std::string& path);

private:
  struct Route;
  static const std::vector<Route>& routes();

  ApiResponse health(const ApiRequest&);
  ApiResponse openapi(const ApiRequest&);
  ApiResponse inventory(const ApiRequest&);
  ApiResponse plan(const ApiRequest&);
  ApiResponse put_app(const ApiRequest&);
  ApiResponse get_app(const ApiRequest&);
  ApiResponse list_apps(const ApiRequest&);
  ApiResponse delete_app(const ApiRequest&);
  ApiResponse submit_run(const ApiRequest&);
  ApiResponse get_run(const ApiRequest&);
  ApiResponse list_runs(const ApiRequest&);
  ApiResponse cancel_run(const ApiRequest&);
  ApiResponse run_logs(const ApiRequest&);
  ApiResponse put_secret(const ApiRequest&);
  ApiResponse get_secret(const ApiRequest&);
  ApiResponse list_secrets(const ApiRequest&);
  ApiResponse delete_secret(const ApiRequest&);
  ApiResponse head_blob(const ApiRequest&);
  ApiResponse put_blob(const ApiRequest&);

  SecretStore& secrets() const;
  // Each scheduled function of the app's current version with its next tick.
  nlohmann::json schedules_json(const AppRecord& app);
  // 422 secret_not_found naming every secret the manifest's functions need that does not exist.
  void check_secrets(const core::Manifest& manifest) const;
  // 422 copy_files_unlisted or missing_blobs unless every file the manifest's images copy is
  // listed and stored in the blob store.
  void check_blobs(const core::Manifest& manifest) const;

  void authenticate(const ApiRequest& request) const;

  Store& m_store;
  Scheduler& m_scheduler;
  ApiOptions m_options;
  SecretStore* m_secrets = nullptr;
  Schedules* m_schedules = nullptr;
  BlobStore* m_blobs = nullptr;
  std::atomic<bool> m_stopping{false};
  std::atomic<int> m_follows{0};
};

// The OpenAPI document (server/openapi.json), compiled in.
std::string_view openapi_document();

} // namespace gpurun::server
