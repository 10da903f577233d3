#include "core/run_state.hpp"

#include <array>
#include <utility>

namespace gpurun::core {
namespace {

constexpr std::array<std::pair<RunState, std::string_view>, 7> k_names = {{
    {RunState::queued, "queued"},
    {RunState::running, "running"},
    {RunState::succeeded, "succeeded"},
    {RunState::failed, "failed"},
    {RunState::cancelled, "cancelled"},
    {RunState::timed_out, "timed_out"},
    {RunState::lost, "lost"},
}};

} // namespace

std::string_view to_string(RunState state) {
  for (const auto& [s, name] : k_names) if (s == state) return name;
  return "unknown";
}

std::optional<RunState> parse_run_state(std::string_view text) {
  for (const auto& [s, name] : k_names) if (name == text) return s;
  return std::nullopt;
}

} // namespace gpurun::core
