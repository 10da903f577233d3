#include "server/run_record.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <ctime>

#include "core/manifest_json.hpp"

namespace gpurun::server {

using nlohmann::json;

json to_json(const RunRecord& run) {
  json placement = nullptr;
  if (run.placement) placement = core::to_json(*run.placement);
  return {{"id", run.id},
          {"app", run.app},
          {"function", run.function},
          {"version", run.version},
          {"args", run.args},
          {"state", core::to_string(run.state)},
          {"attempt", run.attempt},
          {"exit_code", run.exit_code ? json(*run.exit_code) : json(nullptr)},
          {"signal", run.signal ? json(*run.signal) : json(nullptr)},
          {"reason", run.reason},
          {"placement", placement},
          {"candidates", run.candidates},
          {"created_at", time_json(run.created_ms)},
          {"started_at", time_json(run.started_ms)},
          {"finished_at", time_json(run.finished_ms)}};
}

std::string placement_text(const std::optional<core::Placement>& placement) {
  return placement ? core::to_json(*placement).dump() : "";
}

std::optional<core::Placement> parse_placement(const std::string& text) {
  if (text.empty()) return std::nullopt;
  json j = json::parse(text);
  core::Placement p;
  p.type = j.value("type", json(nullptr)).is_string() ? j["type"].get<std::string>() : "";
  p.count = j.value("count", 0);
  p.node = j.value("node", json(nullptr)).is_string() ? j["node"].get<std::string>() : "";
  p.rank = j.value("rank", 0);
  p.fit = j.value("upgrade", false) ? gpu_spec::Fit::upgrade : gpu_spec::Fit::exact;
  return p;
}

const char* to_string(StopReason reason) {
  switch (reason) {
  case StopReason::none: return "";
  case StopReason::cancel: return "cancel";
  case StopReason::timeout: return "timeout";
  }
  return "";
}

StopReason parse_stop_reason(const std::string& text) {
  if (text == "cancel") return StopReason::cancel;
  if (text == "timeout") return StopReason::timeout;
  return StopReason::none;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

json time_json(std::int64_t ms) {
  if (ms == 0) return nullptr;
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", utc, ms % 1000);
}

bool is_safe_id(const std::string& text) {
  if (text.empty() || text.size() > 128 || text[0] == '.') return false;
  for (char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

} // namespace gpurun::server
