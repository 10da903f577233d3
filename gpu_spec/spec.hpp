#pragma once
// The GPU request grammar: TYPE[!][:N], case-insensitive.
//   H100      one H100, which may be served by an H200 (an upgrade)
//   H100!     one H100 and nothing else
//   H100:8    eight H100 (or eight H200) on one node
// A function asks for one spec or an ordered list of them (a fallback chain).

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gpu_spec/catalog.hpp"

namespace gpurun::gpu_spec {

enum class Upgrade { allowed, forbidden };

// How a physical GPU type serves a spec.
enum class Fit { no, exact, upgrade };

struct GpuSpec {
  const GpuType* type = nullptr; // never null in a parsed spec
  int count = 1;
  Upgrade upgrade = Upgrade::allowed;

  // Canonical spelling: catalog case, `!` when given, `:N` when N > 1 ("H100!:8").
  std::string to_string() const;
  // The physical types that may serve this spec, exact match first.
  std::vector<std::string_view> acceptable_types() const;
  // Whether `physical` (a canonical physical type name) serves this spec, and how.
  Fit fit(std::string_view physical) const;
  // Advice the seed document gives for this request, or "" (more than 2 GPUs wait longer).
  std::string advisory() const;

  friend bool operator==(const GpuSpec&, const GpuSpec&) = default;
};

struct SpecError {
  size_t offset = 0; // byte offset into the spec text where the problem starts
  std::string message;
};

// Parses one spec. Every malformed or impossible spec gives a SpecError whose message names the
// problem and, where one fits, a did-you-mean; nothing throws.
std::variant<GpuSpec, SpecError> parse_spec(std::string_view text);

// An ordered fallback chain: the first entry that can be placed wins.
using GpuChain = std::vector<GpuSpec>;

std::string chain_to_string(const GpuChain& chain); // "H100, A100-40GB:2"

} // namespace gpurun::gpu_spec
