#include "cli/run_view.hpp"

#include <fmt/format.h>

#include <exception>
#include <mutex>
#include <thread>

#include "cli/report.hpp"
#include "core/error.hpp"
#include "core/run_state.hpp"

namespace gpurun::cli {

using nlohmann::json;

namespace {

std::string text_or(const json& value, const std::string& fallback) {
  return value.is_string() ? value.get<std::string>() : fallback;
}

} // namespace

std::string placement_summary(const json& run) {
  const json& p = run.value("placement", json(nullptr));
  if (!p.is_object()) return "-";
  if (p.value("count", 0) == 0) return "CPU only";
  std::string out = fmt::format("{}:{} on {}", text_or(p["type"], "?"), p.value("count", 0), text_or(p["node"], "?"));
  std::vector<std::string> notes;
  if (p.value("rank", 0) > 0) notes.push_back(fmt::format("fallback {}", p.value("rank", 0)));
  if (p.value("upgrade", false)) notes.push_back("upgrade");
  if (!notes.empty()) out += fmt::format(" ({})", fmt::join(notes, ", "));
  return out;
}

void print_run(const json& run) {
  auto line = [](const char* key, const std::string& value) { fmt::print("{:<10} {}\n", key, value); };
  line("run", run.value("id", ""));
  line("state", run.value("state", ""));
  line("app", fmt::format("{} (version {})", run.value("app", ""), run.value("version", "").substr(0, 12)));
  line("function", run.value("function", ""));
  line("gpu", placement_summary(run));
  line("attempt", std::to_string(run.value("attempt", 0)));
  if (run.contains("exit_code") && run["exit_code"].is_number()) line("exit code", run["exit_code"].dump());
  if (run.contains("signal") && run["signal"].is_number()) line("signal", run["signal"].dump());
  if (!run.value("reason", "").empty()) line("reason", run.value("reason", ""));
  line("created", text_or(run.value("created_at", json(nullptr)), "-"));
  line("started", text_or(run.value("started_at", json(nullptr)), "-"));
  line("finished", text_or(run.value("finished_at", json(nullptr)), "-"));
  // Every attempt, when there was more than one: what each did, and where its logs are.
  const json attempts = run.value("attempts", json::array());
  if (attempts.size() < 2) return;
  fmt::print("attempts\n");
  for (const json& a : attempts) {
    std::string outcome = a.value("state", "");
    if (a["exit_code"].is_number()) outcome += fmt::format(", exit {}", a["exit_code"].get<int>());
    else if (a["signal"].is_number()) outcome += fmt::format(", signal {}", a["signal"].get<int>());
    fmt::print("  {:<3} {:<24} started {}  (gpurun logs {} --attempt {})\n", a.value("attempt", 0), outcome,
               text_or(a.value("started_at", json(nullptr)), "-"), run.value("id", ""), a.value("attempt", 0));
  }
}

ExitCode run_exit_code(const json& run) {
  auto state = core::parse_run_state(run.value("state", ""));
  if (!state) return ExitCode::failure;
  switch (*state) {
  case core::RunState::succeeded: return ExitCode::ok;
  case core::RunState::timed_out: return ExitCode::timed_out;
  case core::RunState::cancelled:
  case core::RunState::lost: return ExitCode::cancelled;
  case core::RunState::failed:
    if (run.contains("exit_code") && run["exit_code"].is_number()) {
      int code = run["exit_code"].get<int>();
      return static_cast<ExitCode>(code > 0 && code < 256 ? code : 1);
    }
    if (run.contains("signal") && run["signal"].is_number()) return static_cast<ExitCode>(128 + run["signal"].get<int>());
    return ExitCode::failure;
  case core::RunState::queued:
  case core::RunState::running: return ExitCode::failure;
  }
  return ExitCode::failure;
}

std::string run_wait_text(const json& run) {
  const std::string id = run.value("id", "");
  const std::string state = run.value("state", "");
  const std::string reason = run.value("reason", "");
  if (state == "queued") return "run " + id + " is queued" + (reason.empty() ? "" : ": " + reason);
  if (state == "running") return "run " + id + " is running (" + placement_summary(run) + "), no output yet";
  return "run " + id + " is " + state;
}

json follow_run(const core::ApiConfig& config, const std::string& id, std::FILE* out, std::FILE* err,
                const std::function<void()>& before_output) {
  std::once_flag first_output;
  auto take_progress_away = [&] {
    if (before_output) std::call_once(first_output, before_output);
  };
  // Both streams lose the server at once and find it again: the person watching is told once.
  std::mutex note_mutex;
  bool told_waiting = false;
  core::ApiConfig stream_config = config;
  stream_config.follow_note = [&](bool waiting, const std::string& text) {
    std::lock_guard lock(note_mutex);
    if (waiting == told_waiting) return;
    told_waiting = waiting;
    take_progress_away();
    print_note(text);
  };
  // Bringing the local control plane back says so on stderr, too.
  if (config.endpoint_now)
    stream_config.endpoint_now = [&, endpoint_now = config.endpoint_now] {
      take_progress_away();
      return endpoint_now();
    };
  // One client per stream: each is a long request of its own. A client keeps the endpoint it
  // found after a restart of the local control plane.
  core::ApiClient out_client(stream_config);
  core::ApiClient err_client(stream_config);
  auto copy = [&](core::ApiClient& client, const std::string& stream, std::FILE* to) {
    client.logs(id, stream, true, [&, to](std::string_view data) {
      if (!data.empty()) take_progress_away();
      std::fwrite(data.data(), 1, data.size(), to);
      std::fflush(to);
      return true;
    });
  };
  std::exception_ptr stderr_error;
  std::thread stderr_thread([&] {
    try {
      copy(err_client, "stderr", err);
    } catch (...) {
      stderr_error = std::current_exception();
    }
  });
  try {
    copy(out_client, "stdout", out);
  } catch (...) {
    stderr_thread.join();
    throw;
  }
  stderr_thread.join();
  if (stderr_error) std::rethrow_exception(stderr_error);
  return out_client.run(id); // the streams end only once the run has
}

} // namespace gpurun::cli
