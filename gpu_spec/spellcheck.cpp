#include "gpu_spec/spellcheck.hpp"

#include <algorithm>
#include <cctype>
#include <numeric>

namespace gpurun::gpu_spec {
namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), size_t{0});
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      size_t substitution = diagonal + (lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitution});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Every candidate at the smallest distance, when that distance is a plausible typo.
std::vector<std::string> closest_matches(std::string_view word, const std::vector<std::string>& candidates) {
  // Long garbage is never a typo; bounding the length also bounds the work.
  if (word.empty() || word.size() > 64) return {};
  const size_t limit = std::min<size_t>(3, std::max<size_t>(1, (word.size() + 2) / 3));
  std::vector<std::string> best;
  size_t best_distance = limit + 1;
  for (const std::string& candidate : candidates) {
    size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best.clear();
    }
    if (distance == best_distance && std::find(best.begin(), best.end(), candidate) == best.end())
      best.push_back(candidate);
  }
  return best;
}

} // namespace

std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates) {
  auto best = closest_matches(word, candidates);
  if (best.empty()) return std::nullopt;
  return best.front();
}

std::optional<std::string> did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  auto best = closest_matches(word, candidates);
  if (best.empty()) return std::nullopt;
  std::string out = "did you mean ";
  for (size_t i = 0; i < best.size() && i < 3; ++i) {
    if (i > 0) out += i + 1 == std::min<size_t>(best.size(), 3) ? " or " : ", ";
    out += "'" + best[i] + "'";
  }
  return out + "?";
}

} // namespace gpurun::gpu_spec
