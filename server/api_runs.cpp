// Submitting, reading, cancelling runs and streaming their logs.

#include <algorithm>
#include <fstream>
#include <memory>
#include <optional>
#include <thread>

#include "core/error.hpp"
#include "core/manifest_json.hpp"
#include "core/random.hpp"
#include "gpu_spec/spellcheck.hpp"
#include "server/api.hpp"
#include "server/api_helpers.hpp"

namespace gpurun::server {

using nlohmann::json;

namespace {

constexpr size_t k_max_args = 1000;
constexpr size_t k_max_key = 255;

std::string idempotency_key(const ApiRequest& request) {
  std::string key = request.header("idempotency-key");
  if (key.size() > k_max_key) throw ApiError(400, "invalid_idempotency_key", "an Idempotency-Key has at most 255 characters");
  for (char c : key)
    if (c < 0x21 || c > 0x7e) throw ApiError(400, "invalid_idempotency_key", "an Idempotency-Key is printable ASCII without spaces");
  return key;
}

std::vector<std::string> run_args(const json& body) {
  if (!body.contains("args")) return {};
  const json& args = body["args"];
  if (!args.is_array() || args.size() > k_max_args)
    throw ApiError(400, "invalid_args", "args must be a list of at most 1000 strings");
  std::vector<std::string> out;
  for (const json& a : args) {
    if (!a.is_string()) throw ApiError(400, "invalid_args", "args must be a list of strings, got " + a.dump());
    out.push_back(a.get<std::string>());
  }
  return out;
}

// A byte offset or count from the query: absent, or 0 to 2^53 (400 invalid_range otherwise).
std::optional<std::int64_t> byte_count(const ApiRequest& request, const std::string& name) {
  auto it = request.query.find(name);
  if (it == request.query.end()) return std::nullopt;
  const std::string& text = it->second;
  const bool digits = !text.empty() && text.size() <= 16 &&
                      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  const std::int64_t value = digits ? std::stoll(text) : -1;
  if (value < 0 || value > (std::int64_t{1} << 53))
    throw ApiError(400, "invalid_range", name + " must be a number of bytes, 0 to 2^53, got '" + text + "'");
  return value;
}

// Releases a followed log's place when its stream is done (or never started).
struct FollowSlot {
  std::atomic<int>& count;
  explicit FollowSlot(std::atomic<int>& c) : count(c) {}
  ~FollowSlot() { --count; }
  FollowSlot(const FollowSlot&) = delete;
  FollowSlot& operator=(const FollowSlot&) = delete;
};

RunRecord find_run(Store& store, const std::string& id) {
  std::optional<RunRecord> run = store.run(id);
  if (!run) throw ApiError(404, "run_not_found", "no run '" + id + "'");
  return *run;
}

} // namespace

ApiResponse Api::submit_run(const ApiRequest& request) {
  const std::string& app_name = safe_param(request, "app");
  const std::string& function = safe_param(request, "function");
  const std::string key = idempotency_key(request);
  std::vector<std::string> args = run_args(parse_body(request, true));

  std::optional<AppRecord> app = m_store.app(app_name);
  if (!app) throw ApiError(404, "app_not_found", "no app '" + app_name + "' is deployed");
  auto manifest = m_scheduler.manifest(app->name, app->version);
  if (!manifest) throw ApiError(500, "internal", "the stored manifest of app '" + app_name + "' cannot be loaded");
  const core::Function* fn = manifest->find_function(function);
  if (fn == nullptr) {
    std::vector<std::string> names;
    for (const core::Function& f : manifest->functions) names.push_back(f.name);
    std::string detail = "app '" + app_name + "' has no function '" + function + "'";
    if (auto s = gpu_spec::closest_match(function, names)) detail += "; did you mean '" + *s + "'?";
    throw ApiError(404, "function_not_found", detail);
  }

  core::Resolution resolution = core::resolve(fn->gpu, m_scheduler.inventory());
  json candidates = std::move(core::to_json(resolution)["candidates"]);
  if (!resolution.placement && !resolution.can_wait())
    throw ApiError(409, "no_capacity",
                   "no entry of " + function + "'s GPU chain can ever be placed on this server's inventory",
                   {{"candidates", candidates}});

  RunRecord run;
  run.id = "r-" + core::random_hex(8);
  run.app = app->name;
  run.function = function;
  run.version = app->version;
  run.args = std::move(args);
  run.candidates = std::move(candidates);
  run.reason = resolution.placement ? "" : "waiting for GPUs";
  run.idempotency_key = key;
  run.created_ms = now_ms();
  const std::string request_hash = core::sha256_hex(app->name + '\n' + function + '\n' + json(run.args).dump());
  auto [outcome, stored] = m_store.submit(run, request_hash);
  if (outcome == SubmitOutcome::key_conflict)
    throw ApiError(422, "idempotency_key_reused",
                   "this Idempotency-Key was used for a different request (run " + stored.id + ")");
  ApiResponse response = json_response(outcome == SubmitOutcome::created ? 201 : 200, to_json(stored));
  response.headers.emplace_back("Location", "/v1/runs/" + stored.id);
  if (outcome == SubmitOutcome::created) m_scheduler.enqueue(std::move(stored));
  if (outcome == SubmitOutcome::replayed) response.headers.emplace_back("Idempotency-Replayed", "true");
  return response;
}

ApiResponse Api::get_run(const ApiRequest& request) {
  const std::string& id = safe_param(request, "id");
  json run = to_json(find_run(m_store, id));
  json attempts = json::array();
  for (const AttemptRecord& a : m_store.attempts(id)) attempts.push_back(to_json(a));
  run["attempts"] = attempts;
  return json_response(200, run);
}

ApiResponse Api::list_runs(const ApiRequest& request) {
  RunFilter filter;
  if (auto it = request.query.find("app"); it != request.query.end() && !it->second.empty()) filter.app = it->second;
  if (auto it = request.query.find("state"); it != request.query.end() && !it->second.empty()) {
    filter.state = core::parse_run_state(it->second);
    if (!filter.state)
      throw ApiError(400, "invalid_state", "unknown run state '" + it->second +
                                               "'; one of queued, running, succeeded, failed, cancelled, timed_out, lost");
  }
  if (auto it = request.query.find("limit"); it != request.query.end()) {
    try {
      filter.limit = std::stoi(it->second);
    } catch (const std::exception&) {
      filter.limit = 0;
    }
    if (filter.limit < 1 || filter.limit > 1000) throw ApiError(400, "invalid_limit", "limit must be 1 to 1000");
  }
  json runs = json::array();
  for (const RunRecord& run : m_store.runs(filter)) runs.push_back(to_json(run));
  return json_response(200, {{"runs", runs}});
}

ApiResponse Api::cancel_run(const ApiRequest& request) {
  const std::string& id = safe_param(request, "id");
  find_run(m_store, id);
  return json_response(200, to_json(m_scheduler.cancel(id)));
}

ApiResponse Api::run_logs(const ApiRequest& request) {
  const std::string id = safe_param(request, "id");
  std::string stream = "stdout";
  if (auto it = request.query.find("stream"); it != request.query.end()) stream = it->second;
  if (stream != "stdout" && stream != "stderr")
    throw ApiError(400, "invalid_stream", "stream must be stdout or stderr, got '" + stream + "'");
  find_run(m_store, id);
  bool follow = false;
  if (auto it = request.query.find("follow"); it != request.query.end()) follow = it->second == "true" || it->second == "1";
  // One attempt's part of the file every attempt appends to: [begin, end), end -1 for the rest.
  std::streamoff begin = 0;
  std::streamoff end = -1;
  if (auto it = request.query.find("attempt"); it != request.query.end()) {
    if (follow) throw ApiError(400, "invalid_attempt", "follow shows every attempt as it comes; leave out attempt");
    std::vector<AttemptRecord> attempts = m_store.attempts(id);
    int n = 0;
    try {
      n = std::stoi(it->second);
    } catch (const std::exception&) {
    }
    if (n < 1 || n > static_cast<int>(attempts.size()))
      throw ApiError(404, "attempt_not_found", "run " + id + " has " + std::to_string(attempts.size()) + " attempt(s); no attempt '" + it->second + "'");
    const bool out = stream == "stdout";
    begin = out ? attempts[n - 1].stdout_offset : attempts[n - 1].stderr_offset;
    if (n < static_cast<int>(attempts.size())) end = out ? attempts[n].stdout_offset : attempts[n].stderr_offset;
  }

  // A window of that: from `offset` bytes in, at most `limit` bytes.
  if (std::optional<std::int64_t> offset = byte_count(request, "offset")) {
    begin += *offset;
    if (end >= 0) begin = std::min(begin, end);
  }
  if (std::optional<std::int64_t> limit = byte_count(request, "limit")) end = end >= 0 ? std::min(end, begin + *limit) : begin + *limit;

  // Each followed log holds an HTTP worker until its run ends: their number is bounded.
  std::shared_ptr<FollowSlot> slot;
  if (follow) {
    if (++m_follows > m_options.max_follows) {
      --m_follows;
      throw ApiError(503, "too_many_follows", "this server already streams " + std::to_string(m_options.max_follows) +
                                                  " followed logs; try again later or read without follow");
    }
    slot = std::make_shared<FollowSlot>(m_follows);
  }

  ApiResponse response;
  response.content_type = "text/plain; charset=utf-8";
  const std::string path = m_scheduler.log_path(id, stream);
  response.stream = [this, id, path, follow, begin, end, slot](const std::function<bool(std::string_view)>& write) {
    std::ifstream in;
    std::streamoff offset = begin;
    std::string buffer(64 * 1024, '\0');
    // Sends what the file holds beyond `offset`; false when the client went away.
    auto drain = [&]() -> bool {
      if (!in.is_open()) {
        in.open(path, std::ios::binary);
        if (!in.is_open()) return true;
      }
      in.clear();
      in.seekg(offset);
      for (;;) {
        std::streamsize want = static_cast<std::streamsize>(buffer.size());
        if (end >= 0) want = std::min<std::streamsize>(want, end - offset);
        if (want <= 0) return true;
        in.read(buffer.data(), want);
        std::streamsize n = in.gcount();
        if (n <= 0) return true;
        offset += n;
        if (!write(std::string_view(buffer.data(), static_cast<size_t>(n)))) return false;
      }
    };
    if (!drain()) return;
    while (follow && !m_stopping && (end < 0 || offset < end)) {
      std::optional<RunRecord> run = m_store.run(id);
      // A run is stored as ended only after its process ended: one more drain gets the rest.
      bool ended = !run || core::is_terminal(run->state);
      if (!drain() || ended) return;
      std::this_thread::sleep_for(m_options.follow_poll);
      // An empty chunk would end the chunked body; a write of nothing only checks the client.
      if (!write({})) return;
    }
  };
  return response;
}

} // namespace gpurun::server
