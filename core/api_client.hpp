#pragma once
// The client side of the HTTP API (docs/api.md): one method per route, JSON in and out.
//
// Transport failures (refused, reset, timed out) and 502/503/504 answers are retried with
// exponential backoff; a submission carries its Idempotency-Key on every try, so a retry never
// makes a second run. Answers that are errors become one gpurun::Error each, with a kind the
// CLI maps to an exit code: 401 auth, 404 not_found, 409 no_capacity, other 4xx invalid.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/http_client.hpp"
#include "core/manifest.hpp"

namespace gpurun::core {

struct ApiConfig {
  std::string endpoint; // "http://127.0.0.1:8080"
  std::string token;    // "" sends no Authorization header
  int attempts = 4;     // tries per request for retryable failures
  std::chrono::milliseconds backoff{200}; // before the second try; doubles each time
  HttpTimeouts timeouts;
  // How long a followed log waits for the server to answer again after its stream was cut (a
  // server restart, a dropped connection) before giving up, counted from the loss; any answer
  // ends the wait.
  std::chrono::milliseconds follow_reconnect{60'000};
  // When set, where the server is now, asked again before each reconnect of a followed log (the
  // local control plane listens on a new port after a restart); "" keeps the endpoint, and an
  // Error ends the follow.
  std::function<std::string()> endpoint_now{};
  // When set, told in a sentence when a followed log loses the server (waiting) and when the
  // server sends it something again (not waiting): for a person watching the output.
  std::function<void(bool waiting, const std::string& text)> follow_note{};
};

struct RunQuery {
  std::string app;
  std::string state;
  int limit = 0; // 0: the server's default
};

class ApiClient {
public:
  using Sleep = std::function<void(std::chrono::milliseconds)>;
  // `transport` defaults to an HttpClient; `sleep` (for the backoff) to std::this_thread.
  explicit ApiClient(ApiConfig config, std::shared_ptr<HttpTransport> transport = nullptr, Sleep sleep = {});

  nlohmann::json health();
  nlohmann::json inventory();
  nlohmann::json apps();
  // Called before the files of a build context are uploaded: how many, and their bytes.
  using UploadNote = std::function<void(size_t files, std::uint64_t bytes)>;
  // {"app", "version", "changed", "functions"}. The copy steps' files must be listed
  // (core/copy_files.hpp); the files the server asks for (422 missing_blobs) are uploaded from
  // the manifest's folder, and the manifest is sent again.
  nlohmann::json deploy(const Manifest& manifest, const UploadNote& on_upload = {});
  // PUT /v1/blobs/{sha256} with the bytes of the file at `path`, streamed.
  nlohmann::json put_blob(const std::string& sha256, const std::string& path);
  nlohmann::json submit(const std::string& app, const std::string& function, const std::vector<std::string>& args,
                        const std::string& idempotency_key);
  nlohmann::json run(const std::string& id);
  nlohmann::json runs(const RunQuery& query);
  nlohmann::json cancel(const std::string& id);
  // Calls `on_data` with the run's output of one stream ("stdout" or "stderr") as it arrives;
  // with `follow`, returns when the run has ended and all of it was delivered: a stream cut
  // before that resumes at the byte it stopped at once the server answers again, so output is
  // delivered once, in order, across server restarts. `on_data` returning false stops.
  void logs(const std::string& id, const std::string& stream, bool follow,
            const std::function<bool(std::string_view)>& on_data);

  // The output of one attempt of a run (1 is the first), without following.
  void attempt_logs(const std::string& id, const std::string& stream, int attempt,
                    const std::function<bool(std::string_view)>& on_data);

  // Named secrets: values go up, only names and keys come back.
  nlohmann::json set_secret(const std::string& name, const std::map<std::string, std::string>& values);
  nlohmann::json secrets();
  nlohmann::json delete_secret(const std::string& name);

  const std::string& endpoint() const { return m_config.endpoint; }

  // Makes one request with the retry policy and turns error answers into gpurun::Error.
  HttpResponse call(const std::string& method, const std::string& path, const std::string& body = "",
                    const std::vector<std::pair<std::string, std::string>>& headers = {});

private:
  // One request with the retry policy; error answers are returned, not thrown.
  HttpResponse send(const HttpRequest& request);
  // Uploads the blobs a 422 missing_blobs answer lists, each once, from the manifest's folder.
  void upload_missing(const Manifest& manifest, const nlohmann::json& missing, const UploadNote& on_upload);
  void stream_logs(const std::string& path, const std::function<bool(std::string_view)>& on_data);
  HttpRequest request(const std::string& method, const std::string& path, const std::string& body,
                      const std::vector<std::pair<std::string, std::string>>& headers) const;
  nlohmann::json call_json(const std::string& method, const std::string& path, const std::string& body = "",
                           const std::vector<std::pair<std::string, std::string>>& headers = {});

  ApiConfig m_config;
  std::shared_ptr<HttpTransport> m_transport;
  Sleep m_sleep;
};

// The error an answer with an error status stands for (used by ApiClient; exposed for tests).
[[noreturn]] void throw_api_error(const HttpResponse& response, const std::string& endpoint);

} // namespace gpurun::core
