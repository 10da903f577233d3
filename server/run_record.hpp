#pragma once
// A run as the control plane stores and serves it, and its JSON form in the HTTP API.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/resolver.hpp"
#include "core/run_state.hpp"

namespace gpurun::server {

// Why the scheduler asked a running attempt to stop; decides its final state.
enum class StopReason { none, cancel, timeout };

struct RunRecord {
  std::string id;
  std::int64_t seq = 0; // submission order
  std::string app;
  std::string function;
  std::string version; // the manifest version the run was submitted against
  std::vector<std::string> args;
  core::RunState state = core::RunState::queued;
  int attempt = 0; // attempts started so far
  std::optional<int> exit_code;
  std::optional<int> signal;
  std::string reason;
  std::optional<core::Placement> placement;
  nlohmann::json candidates = nlohmann::json::array(); // the resolver's why, for the last placement try
  std::string handle;                                  // the executor's handle of the running attempt
  StopReason stop = StopReason::none;
  std::string idempotency_key;
  std::int64_t created_ms = 0;
  std::int64_t started_ms = 0; // of the current or last attempt; 0 before the first
  std::int64_t finished_ms = 0;
  std::int64_t not_before_ms = 0; // a retry waits until then
};

nlohmann::json to_json(const RunRecord& run);

// Placement to and from the stored JSON text.
std::string placement_text(const std::optional<core::Placement>& placement);
std::optional<core::Placement> parse_placement(const std::string& text);

const char* to_string(StopReason reason);
StopReason parse_stop_reason(const std::string& text);

std::int64_t now_ms();
// RFC 3339 in UTC with milliseconds ("2026-01-02T03:04:05.678Z"); null for 0.
nlohmann::json time_json(std::int64_t ms);

// Run ids, app and function names used in paths: letters, digits, '-', '_', '.', 1 to 128
// characters, not starting with '.', so no id can name a parent folder.
bool is_safe_id(const std::string& text);

} // namespace gpurun::server
