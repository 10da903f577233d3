#include "core/api_client.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <thread>

#include "core/copy_files.hpp"
#include "core/error.hpp"
#include "core/manifest_json.hpp"
#include "core/run_state.hpp"
#include "core/units.hpp"
#include "core/utf8.hpp"

namespace gpurun::core {

using nlohmann::json;

namespace {

bool retryable(long status) { return status == 502 || status == 503 || status == 504; }

// JSON carries only UTF-8: a value that is not is refused here, by name, rather than failing
// inside the JSON library.
void require_utf8(const std::string& value, const std::string& what) {
  if (invalid_utf8_at(value) != std::string::npos) throw Error(what + " is not UTF-8 text", ErrorKind::invalid);
}

// Calls `visit` with every listed file of the images the manifest's functions use, and where its
// bytes are on this machine.
void for_each_copied_file(const Manifest& manifest, const std::function<void(const CopyFile&, const std::string&)>& visit) {
  for_each_image_in_use(manifest, [&](const ImageSpec& image, const std::string&) {
    for (const CopyStep& step : image.copy) {
      if (!step.files) continue;
      for (const CopyFile& file : *step.files) {
        std::filesystem::path where = std::filesystem::path(image.context_dir) / step.src;
        if (file.path != ".") where /= file.path;
        visit(file, where.string());
      }
    }
  });
}

} // namespace

void throw_api_error(const HttpResponse& response, const std::string& endpoint) {
  json problem = json::parse(response.body, nullptr, false);
  std::string detail;
  std::string code;
  if (problem.is_object()) {
    detail = problem.value("detail", "");
    code = problem.value("code", "");
    if (problem.contains("errors") && problem["errors"].is_array()) {
      for (const json& e : problem["errors"])
        if (e.is_object())
          detail += "\n  " + e.value("path", std::string("manifest")) + ":" + std::to_string(e.value("line", 0)) + ":" +
                    std::to_string(e.value("column", 0)) + ": " + e.value("message", "");
    }
  }
  if (detail.empty()) detail = "the control plane at " + endpoint + " answered HTTP " + std::to_string(response.status);
  const long status = response.status;
  if (status == 401)
    throw Error("the control plane at " + endpoint + " refused the credentials: " + detail +
                    " (set GPURUN_TOKEN to the server's token)",
                ErrorKind::auth);
  if (status == 404) throw Error(detail, ErrorKind::not_found);
  if (status == 409 && code == "no_capacity") throw Error(detail, ErrorKind::no_capacity);
  if (status >= 400 && status < 500) throw Error(detail, ErrorKind::invalid);
  throw Error("the control plane at " + endpoint + " failed: " + detail);
}

ApiClient::ApiClient(ApiConfig config, std::shared_ptr<HttpTransport> transport, Sleep sleep)
    : m_config(std::move(config)), m_transport(std::move(transport)), m_sleep(std::move(sleep)) {
  while (!m_config.endpoint.empty() && m_config.endpoint.back() == '/') m_config.endpoint.pop_back();
  if (!m_transport) m_transport = std::make_shared<HttpClient>(m_config.timeouts);
  if (!m_sleep) m_sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
}

HttpRequest ApiClient::request(const std::string& method, const std::string& path, const std::string& body,
                               const std::vector<std::pair<std::string, std::string>>& headers) const {
  HttpRequest r;
  r.method = method;
  r.url = m_config.endpoint + path;
  r.body = body;
  r.headers = headers;
  if (!m_config.token.empty()) r.headers.emplace_back("Authorization", "Bearer " + m_config.token);
  if (!body.empty()) r.headers.emplace_back("Content-Type", "application/json");
  return r;
}

HttpResponse ApiClient::call(const std::string& method, const std::string& path, const std::string& body,
                             const std::vector<std::pair<std::string, std::string>>& headers) {
  HttpResponse response = send(request(method, path, body, headers));
  if (response.status >= 400) throw_api_error(response, m_config.endpoint);
  return response;
}

HttpResponse ApiClient::send(const HttpRequest& r) {
  std::chrono::milliseconds delay = m_config.backoff;
  for (int attempt = 1;; ++attempt) {
    const bool last = attempt >= m_config.attempts;
    try {
      HttpResponse response = m_transport->send(r);
      if (retryable(response.status) && !last) {
        m_sleep(delay);
        delay *= 2;
        continue;
      }
      return response;
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::unreachable) throw;
      if (last) {
        std::string why = e.what();
        if (size_t colon = why.rfind(": "); colon != std::string::npos) why = why.substr(colon + 2);
        throw Error("cannot reach the control plane at " + m_config.endpoint + ": " + why +
                        " (is `gpurun serve` running? GPURUN_ENDPOINT selects another server)",
                    ErrorKind::unreachable);
      }
      m_sleep(delay);
      delay *= 2;
    }
  }
}

json ApiClient::call_json(const std::string& method, const std::string& path, const std::string& body,
                          const std::vector<std::pair<std::string, std::string>>& headers) {
  HttpResponse response = call(method, path, body, headers);
  json out = json::parse(response.body, nullptr, false);
  if (out.is_discarded())
    throw Error("the control plane at " + m_config.endpoint + " answered " + path + " with something that is not JSON");
  return out;
}

json ApiClient::health() { return call_json("GET", "/v1/health"); }
json ApiClient::inventory() { return call_json("GET", "/v1/inventory"); }
json ApiClient::apps() { return call_json("GET", "/v1/apps"); }

json ApiClient::deploy(const Manifest& manifest, const UploadNote& on_upload) {
  const std::string path = "/v1/apps/" + url_encode(manifest.app);
  const HttpRequest put = request("PUT", path, to_json(manifest).dump(), {});
  HttpResponse response = send(put);
  json problem = response.status == 422 ? json::parse(response.body, nullptr, false) : json();
  if (problem.is_object() && problem.value("code", "") == "missing_blobs" && problem.contains("missing")) {
    upload_missing(manifest, problem["missing"], on_upload);
    response = send(put);
  }
  if (response.status == 413) {
    size_t files = 0;
    for_each_copied_file(manifest, [&](const CopyFile&, const std::string&) { ++files; });
    json body = json::parse(response.body, nullptr, false);
    std::string detail = body.is_object() ? body.value("detail", "") : "";
    if (files > 0)
      throw Error("the control plane refused the manifest: " + detail + "; it lists " + std::to_string(files) +
                      " copied files: raise the server's --max-body, or copy fewer, larger files (an archive)",
                  ErrorKind::invalid);
  }
  if (response.status >= 400) throw_api_error(response, m_config.endpoint);
  json out = json::parse(response.body, nullptr, false);
  if (out.is_discarded()) throw Error("the control plane at " + m_config.endpoint + " answered " + path + " with something that is not JSON");
  return out;
}

void ApiClient::upload_missing(const Manifest& manifest, const json& missing, const UploadNote& on_upload) {
  std::map<std::string, std::pair<std::string, std::uint64_t>> local; // sha256 -> (file, size)
  for_each_copied_file(manifest, [&](const CopyFile& file, const std::string& where) {
    local.try_emplace(file.sha256, where, file.size);
  });
  std::map<std::string, std::pair<std::string, std::uint64_t>> wanted;
  for (const json& item : missing) {
    const std::string sha256 = item.is_object() ? item.value("sha256", "") : "";
    auto it = local.find(sha256);
    if (it == local.end())
      throw Error("the control plane at " + m_config.endpoint + " asks for blob '" + sha256 + "', which the manifest does not list");
    wanted.insert(*it);
  }
  std::uint64_t bytes = 0;
  for (const auto& [sha256, file] : wanted) bytes += file.second;
  if (on_upload) on_upload(wanted.size(), bytes);
  for (const auto& [sha256, file] : wanted) {
    try {
      put_blob(sha256, file.first);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::invalid) throw;
      throw Error("cannot upload " + file.first + ": " + e.what() + " (did it change during the deploy? deploy again)",
                  ErrorKind::invalid);
    }
  }
}

json ApiClient::put_blob(const std::string& sha256, const std::string& path) {
  HttpRequest r = request("PUT", "/v1/blobs/" + url_encode(sha256), "", {{"Content-Type", "application/octet-stream"}});
  r.body_file = path;
  HttpResponse response = send(r);
  if (response.status >= 400) throw_api_error(response, m_config.endpoint);
  return json::parse(response.body, nullptr, false);
}

json ApiClient::submit(const std::string& app, const std::string& function, const std::vector<std::string>& args,
                       const std::string& idempotency_key) {
  for (size_t i = 0; i < args.size(); ++i) require_utf8(args[i], "argument " + std::to_string(i + 1) + " of the run");
  std::vector<std::pair<std::string, std::string>> headers;
  if (!idempotency_key.empty()) headers.emplace_back("Idempotency-Key", idempotency_key);
  return call_json("POST", "/v1/apps/" + url_encode(app) + "/functions/" + url_encode(function) + "/runs",
                   json{{"args", args}}.dump(), headers);
}

json ApiClient::run(const std::string& id) { return call_json("GET", "/v1/runs/" + url_encode(id)); }

json ApiClient::runs(const RunQuery& query) {
  std::string path = "/v1/runs";
  char sep = '?';
  auto add = [&](const std::string& name, const std::string& value) {
    path += sep + name + "=" + url_encode(value);
    sep = '&';
  };
  if (!query.app.empty()) add("app", query.app);
  if (!query.state.empty()) add("state", query.state);
  if (query.limit > 0) add("limit", std::to_string(query.limit));
  return call_json("GET", path);
}

json ApiClient::cancel(const std::string& id) { return call_json("POST", "/v1/runs/" + url_encode(id) + "/cancel"); }

void ApiClient::logs(const std::string& id, const std::string& stream, bool follow,
                     const std::function<bool(std::string_view)>& on_data) {
  const std::string path = "/v1/runs/" + url_encode(id) + "/logs?stream=" + stream;
  if (!follow) {
    stream_logs(path, on_data);
    return;
  }
  using Clock = std::chrono::steady_clock;
  std::int64_t delivered = 0;
  bool stopped = false;
  // Lost the server and heard nothing from it since; the wait is counted from the loss, so a
  // long follow has its whole window at every cut.
  bool waiting = false;
  Clock::time_point give_up;
  std::chrono::milliseconds delay = m_config.backoff;
  auto heard = [&] {
    if (!waiting) return;
    waiting = false;
    delay = m_config.backoff;
    if (m_config.follow_note) m_config.follow_note(false, "the control plane at " + m_config.endpoint + " answers again");
  };
  auto counting = [&](std::string_view data) {
    if (!data.empty()) {
      heard();
      delay = m_config.backoff;
    }
    delivered += static_cast<std::int64_t>(data.size());
    stopped = !on_data(data);
    return !stopped;
  };
  // Once the run has ended its output is whole: what the stream did not bring is read from the
  // offset reached. (A stopping server's stream can end before the run does, and the end be
  // learnt later, from the next server.)
  auto ended = [&] {
    if (!is_terminal(parse_run_state(run(id).value("state", "")).value_or(RunState::lost))) return false;
    stream_logs(path + "&offset=" + std::to_string(delivered), counting);
    return true;
  };
  for (;;) {
    try {
      if (waiting) {
        // A stream with nothing to send (a quiet stderr) would never say the server is back.
        const bool done = ended();
        heard();
        if (done) return;
      }
      stream_logs(path + "&follow=true&offset=" + std::to_string(delivered), counting);
      if (stopped) return;
      heard();
      if (ended()) return; // else the server is stopping
    } catch (const Error& e) {
      if (stopped || e.kind() != ErrorKind::unreachable) throw;
      if (!waiting) {
        waiting = true;
        give_up = Clock::now() + m_config.follow_reconnect;
        if (m_config.follow_reconnect.count() > 0 && m_config.follow_note)
          m_config.follow_note(true, std::string(e.what()) + "; waiting up to " +
                                         core::format_duration(m_config.follow_reconnect) + " for it to answer again");
      }
      if (Clock::now() >= give_up) {
        if (m_config.follow_reconnect.count() == 0) throw;
        throw Error(std::string(e.what()) + "; it did not answer again within " +
                        core::format_duration(m_config.follow_reconnect),
                    ErrorKind::unreachable);
      }
    }
    m_sleep(delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(2000));
    // Where the server is now; one that cannot be brought back (the local one exits as it starts)
    // ends the follow with its reason.
    if (m_config.endpoint_now)
      if (std::string now = m_config.endpoint_now(); !now.empty()) m_config.endpoint = now;
  }
}

void ApiClient::attempt_logs(const std::string& id, const std::string& stream, int attempt,
                             const std::function<bool(std::string_view)>& on_data) {
  stream_logs("/v1/runs/" + url_encode(id) + "/logs?stream=" + stream + "&attempt=" + std::to_string(attempt), on_data);
}

void ApiClient::stream_logs(const std::string& path, const std::function<bool(std::string_view)>& on_data) {
  HttpRequest r = request("GET", path, "", {});
  HttpResponse response;
  try {
    response = m_transport->stream(r, on_data);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::unreachable)
      throw Error("cannot reach the control plane at " + m_config.endpoint + " (is `gpurun serve` running?)", ErrorKind::unreachable);
    throw;
  }
  if (response.status >= 400) throw_api_error(response, m_config.endpoint);
}

json ApiClient::set_secret(const std::string& name, const std::map<std::string, std::string>& values) {
  for (const auto& [key, value] : values) {
    require_utf8(key, "a secret key");
    require_utf8(value, "the value of " + key);
  }
  return call_json("PUT", "/v1/secrets/" + url_encode(name), json{{"values", values}}.dump());
}

json ApiClient::secrets() { return call_json("GET", "/v1/secrets"); }

json ApiClient::delete_secret(const std::string& name) { return call_json("DELETE", "/v1/secrets/" + url_encode(name)); }

} // namespace gpurun::core
