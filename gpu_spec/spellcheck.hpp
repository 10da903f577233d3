#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpurun::gpu_spec {

// The candidate closest to `word` by case-insensitive edit distance, when it is close enough to be
// a plausible typo (at most a third of the word's length, and at most 3 edits).
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

// "did you mean 'X'?", or "did you mean 'X' or 'Y'?" when several candidates are equally close;
// nullopt when none is close.
std::optional<std::string> did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

} // namespace gpurun::gpu_spec
