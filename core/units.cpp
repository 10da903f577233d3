#include "core/units.hpp"

#include <cctype>
#include <cmath>
#include <utility>

namespace gpurun::core {
namespace {

bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// A whole number of at most 12 digits at text[pos]; advances pos.
std::optional<std::uint64_t> read_number(std::string_view text, size_t& pos) {
  size_t start = pos;
  while (pos < text.size() && is_digit(text[pos])) ++pos;
  if (pos == start || pos - start > 12) return std::nullopt;
  return std::stoull(std::string(text.substr(start, pos - start)));
}

} // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text, std::string& error) {
  using std::chrono::milliseconds;
  const std::string hint = "expected a duration such as 90s, 10m, 2h or 1h30m";
  if (text.empty()) {
    error = "empty duration; " + hint;
    return std::nullopt;
  }
  size_t pos = 0;
  std::uint64_t total_ms = 0;
  bool plain = true;
  while (pos < text.size()) {
    auto number = read_number(text, pos);
    if (!number) {
      error = "'" + std::string(text) + "' is not a duration; " + hint;
      return std::nullopt;
    }
    size_t unit_start = pos;
    while (pos < text.size() && std::isalpha(static_cast<unsigned char>(text[pos]))) ++pos;
    std::string_view unit = text.substr(unit_start, pos - unit_start);
    std::uint64_t scale = 0;
    if (unit.empty() && unit_start == text.size() && plain) scale = 1000; // bare seconds
    else if (unit == "ms") scale = 1;
    else if (unit == "s") scale = 1000;
    else if (unit == "m") scale = 60'000;
    else if (unit == "h") scale = 3'600'000;
    else if (unit == "d") scale = 86'400'000;
    if (scale == 0) {
      error = unit.empty() ? "'" + std::string(text) + "' is missing a unit; " + hint
                           : "unknown duration unit '" + std::string(unit) + "'; " + hint;
      return std::nullopt;
    }
    plain = false;
    total_ms += *number * scale;
    if (total_ms > 100ull * 365 * 86'400'000) {
      error = "duration '" + std::string(text) + "' is too long";
      return std::nullopt;
    }
  }
  return milliseconds(total_ms);
}

std::string format_duration(std::chrono::milliseconds duration) {
  long long ms = duration.count();
  if (ms == 0) return "0s";
  std::string out;
  const std::pair<long long, const char*> units[] = {
      {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}, {1, "ms"}};
  for (auto [scale, name] : units) {
    if (ms >= scale) {
      out += std::to_string(ms / scale) + name;
      ms %= scale;
    }
  }
  return out;
}

std::optional<std::uint64_t> parse_memory_mib(std::string_view text, std::string& error) {
  const std::string hint = "expected a size such as 512Mi, 16Gi or 16GB, or a number of MiB";
  size_t pos = 0;
  auto number = read_number(text, pos);
  if (!number) {
    error = "'" + std::string(text) + "' is not a memory size; " + hint;
    return std::nullopt;
  }
  std::string_view unit = text.substr(pos);
  double mib = 0;
  auto n = static_cast<double>(*number);
  if (unit.empty() || unit == "Mi" || unit == "MiB") mib = n;
  else if (unit == "Gi" || unit == "GiB") mib = n * 1024;
  else if (unit == "Ti" || unit == "TiB") mib = n * 1024 * 1024;
  else if (unit == "MB") mib = n * 1e6 / (1 << 20);
  else if (unit == "GB") mib = n * 1e9 / (1 << 20);
  else if (unit == "TB") mib = n * 1e12 / (1 << 20);
  else {
    error = "unknown memory unit '" + std::string(unit) + "'; " + hint;
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(std::ceil(mib));
}

} // namespace gpurun::core
