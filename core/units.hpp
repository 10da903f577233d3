#pragma once
// Durations ("90s", "2h", "1h30m", or plain seconds) and memory sizes ("512Mi", "16Gi", "16GB",
// or plain MiB) as written in manifests.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gpurun::core {

// nullopt with `error` set when the text is not a duration. Units: ms, s, m, h, d.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text, std::string& error);
std::string format_duration(std::chrono::milliseconds duration); // "1h30m", "90s", "250ms"

// Size in MiB. Units: Mi, Gi, Ti, MiB, GiB, TiB, MB, GB, TB (decimal units rounded up to MiB).
std::optional<std::uint64_t> parse_memory_mib(std::string_view text, std::string& error);

} // namespace gpurun::core
