// slurmrestd's OpenAPI v0.0.38 (Slurm 22.05): paths under /slurm/v0.0.38, job states and exit
// codes as plain strings and integers. Slurm's answers to failures are uneven, and this file is
// where they are made uniform (see rest_api.hpp for the kinds):
//   - 401 comes as plain text, without the JSON envelope;
//   - a token slurmctld cannot verify, and a slurmctld that does not answer, both come as HTTP 500
//     with error -1 "Unspecified error", so the token's own expiry is checked to tell them apart;
//   - some errors carry `error_code`, others `error_number`, others `errno`.
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>

#include "core/error.hpp"
#include "server/slurm/rest_api.hpp"

namespace gpurun::server::slurm {
namespace {

using nlohmann::json;

constexpr long k_node_config_unavailable = 2014; // ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE
constexpr long k_invalid_job_id = 2017;           // ESLURM_INVALID_JOB_ID
constexpr long k_controller_unreachable = 1007;   // SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT and kin
constexpr long k_unspecified = -1;

struct SlurmErrorItem {
  long code = 0;
  std::string text;
};

std::vector<SlurmErrorItem> errors_of(const json& body) {
  std::vector<SlurmErrorItem> out;
  if (!body.is_object() || !body.contains("errors") || !body["errors"].is_array()) return out;
  for (const json& item : body["errors"]) {
    if (!item.is_object()) continue;
    SlurmErrorItem error;
    for (const char* key : {"error_code", "error_number", "errno"})
      if (item.contains(key) && item[key].is_number_integer()) error.code = item[key].get<long>();
    std::string message = item.value("error", "");
    std::string description = item.value("description", "");
    error.text = description.empty() || description == message ? message : message + ": " + description;
    out.push_back(std::move(error));
  }
  return out;
}

std::string string_of(const json& object, const char* key) {
  if (!object.contains(key)) return "";
  const json& value = object[key];
  return value.is_string() ? value.get<std::string>() : "";
}

std::vector<std::string> strings_of(const json& object, const char* key) {
  std::vector<std::string> out;
  if (object.contains(key) && object[key].is_array())
    for (const json& item : object[key])
      if (item.is_string()) out.push_back(item.get<std::string>());
  return out;
}

class RestV0038 final : public SlurmApi {
public:
  RestV0038(std::string base_url, core::HttpTransport& transport, Credentials& credentials)
      : m_base(std::move(base_url)), m_transport(transport), m_credentials(credentials) {
    while (!m_base.empty() && m_base.back() == '/') m_base.pop_back();
  }

  std::string version() const override { return "v0.0.38"; }

  void ping() override { call("GET", "/ping", "", "ping slurmctld"); }

  std::vector<SlurmNode> nodes() override {
    json body = call("GET", "/nodes", "", "list the nodes");
    std::vector<SlurmNode> out;
    if (!body.contains("nodes") || !body["nodes"].is_array()) return out;
    for (const json& item : body["nodes"]) {
      if (!item.is_object()) continue;
      SlurmNode node;
      node.name = string_of(item, "name");
      node.state = string_of(item, "state");
      node.state_flags = strings_of(item, "state_flags");
      node.gres = string_of(item, "gres");
      node.gres_used = string_of(item, "gres_used");
      node.partitions = strings_of(item, "partitions");
      out.push_back(std::move(node));
    }
    return out;
  }

  long submit(const JobRequest& request) override {
    json job = {{"name", request.name},
                {"current_working_directory", request.working_dir},
                {"standard_output", request.standard_output},
                {"environment", json::object()},
                {"nodes", json::array({1, 1})}, // all GPUs of one placement are on one node
                {"requeue", false},             // gpurun retries runs itself, as a new attempt
                {"open_mode", "append"}};       // ... whose output follows the earlier ones
    for (const auto& [name, value] : request.environment) job["environment"][name] = value;
    if (!request.partition.empty()) job["partition"] = request.partition;
    if (!request.standard_error.empty()) job["standard_error"] = request.standard_error;
    if (!request.gpus_per_node.empty()) job["gpus_per_node"] = request.gpus_per_node;
    if (request.time_limit_minutes) job["time_limit"] = *request.time_limit_minutes;
    if (!request.comment.empty()) job["comment"] = request.comment;
    json body = call("POST", "/job/submit", json{{"script", request.script}, {"job", job}}.dump(),
                     request.gpus_per_node.empty() ? "submit the job"
                                                   : "submit the job (gpus_per_node " + request.gpus_per_node + ")");
    if (!body.contains("job_id") || !body["job_id"].is_number_integer())
      throw Error("slurmrestd accepted the job but named no job id", ErrorKind::failure);
    return body["job_id"].get<long>();
  }

  SlurmJob job(long id) override {
    json body = call("GET", "/job/" + std::to_string(id), "", fmt::format("read job {}", id));
    if (!body.contains("jobs") || !body["jobs"].is_array() || body["jobs"].empty())
      throw Error(fmt::format("Slurm does not know job {}", id), ErrorKind::not_found);
    const json& item = body["jobs"][0];
    SlurmJob job;
    job.id = item.value("job_id", id);
    job.state = string_of(item, "job_state");
    job.state_reason = string_of(item, "state_reason");
    job.nodes = string_of(item, "nodes");
    job.gres_detail = strings_of(item, "gres_detail");
    job.tres_per_node = string_of(item, "tres_per_node");
    if (item.contains("exit_code") && item["exit_code"].is_number_integer()) job.exit_code = item["exit_code"].get<long>();
    job.comment = string_of(item, "comment");
    job.standard_output = string_of(item, "standard_output");
    return job;
  }

  void cancel(long id) override { call("DELETE", "/job/" + std::to_string(id), "", fmt::format("cancel job {}", id)); }

private:
  json call(const std::string& method, const std::string& path, const std::string& body, const std::string& what) {
    core::HttpRequest request;
    request.method = method;
    request.url = m_base + "/slurm/v0.0.38" + path;
    request.headers = {{"X-SLURM-USER-NAME", m_credentials.user()},
                       {"X-SLURM-USER-TOKEN", m_credentials.token()},
                       {"Accept", "application/json"}};
    if (!body.empty()) {
      request.headers.emplace_back("Content-Type", "application/json");
      request.body = body;
    }
    core::HttpResponse response;
    try {
      response = m_transport.send(request);
    } catch (const Error& error) {
      // slurmrestd closes the connection after every error answer; a request that meets such a
      // closed connection is sent once more. A submit is not: it might have been received.
      if (error.kind() != ErrorKind::unreachable || method == "POST") throw unreachable(what, error.what());
      try {
        response = m_transport.send(request);
      } catch (const Error& again) {
        throw unreachable(what, again.what());
      }
    }
    json parsed = json::parse(response.body, nullptr, false);
    if (response.status >= 200 && response.status < 300 && parsed.is_object()) return parsed;
    throw failure(response, parsed, what);
  }

  Error unreachable(const std::string& what, const std::string& detail) const {
    return Error(fmt::format("cannot {}: slurmrestd at {} is not reachable ({})", what, m_base, detail),
                 ErrorKind::unreachable);
  }

  Error failure(const core::HttpResponse& response, const json& parsed, const std::string& what) {
    if (response.status == 401)
      return Error(fmt::format("cannot {}: slurmrestd refused user '{}' (HTTP 401): check the user name and the "
                               "token ({})",
                               what, m_credentials.user(), m_credentials.source()),
                   ErrorKind::auth);
    if (!parsed.is_object()) {
      std::string text = response.body.substr(0, 200);
      std::string hint = response.status == 404 ? " (does slurmrestd serve openapi/v0.0.38?)" : "";
      return Error(fmt::format("cannot {}: slurmrestd answered HTTP {}{}{}", what, response.status,
                               text.empty() ? "" : ": " + text, hint),
                   ErrorKind::failure);
    }
    std::vector<SlurmErrorItem> errors = errors_of(parsed);
    std::string joined;
    for (const SlurmErrorItem& error : errors) joined += (joined.empty() ? "" : "; ") + error.text;
    if (joined.empty()) joined = fmt::format("HTTP {}", response.status);
    for (const SlurmErrorItem& error : errors) {
      if (error.code == k_node_config_unavailable)
        return Error(fmt::format("cannot {}: Slurm says no node can ever run it ({})", what, joined),
                     ErrorKind::no_capacity);
      if (error.code == k_invalid_job_id) return Error(fmt::format("cannot {}: {}", what, joined), ErrorKind::not_found);
      if (error.code == k_controller_unreachable)
        return Error(fmt::format("cannot {}: slurmctld is not reachable ({})", what, joined), ErrorKind::unreachable);
    }
    const bool unspecified = std::any_of(errors.begin(), errors.end(), [](const SlurmErrorItem& e) { return e.code == k_unspecified; });
    if (unspecified) {
      if (auto expiry = m_credentials.expiry(); expiry && *expiry <= std::chrono::system_clock::now())
        return Error(fmt::format("cannot {}: the Slurm token ({}) expired at {:%Y-%m-%d %H:%M:%S} UTC; mint a new one "
                                 "(scontrol token)",
                                 what, m_credentials.source(), std::chrono::floor<std::chrono::seconds>(*expiry)),
                     ErrorKind::auth);
      return Error(fmt::format("cannot {}: Slurm answered \"{}\": slurmctld did not accept the token ({}) or did not "
                               "answer",
                               what, joined, m_credentials.source()),
                   ErrorKind::unreachable);
    }
    return Error(fmt::format("cannot {}: Slurm answered HTTP {}: {}", what, response.status, joined), ErrorKind::failure);
  }

  std::string m_base;
  core::HttpTransport& m_transport;
  Credentials& m_credentials;
};

} // namespace

std::unique_ptr<SlurmApi> make_rest_api(const std::string& version, std::string base_url,
                                        core::HttpTransport& transport, Credentials& credentials) {
  if (version == "v0.0.38") return std::make_unique<RestV0038>(std::move(base_url), transport, credentials);
  std::string known;
  for (const char* v : k_api_versions) known += (known.empty() ? "" : ", ") + std::string(v);
  throw Error("slurmrestd API version '" + version + "' is not supported; this build speaks " + known, ErrorKind::invalid);
}

} // namespace gpurun::server::slurm
