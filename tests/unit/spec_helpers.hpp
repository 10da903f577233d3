#pragma once
// GPU specs written in tests, parsed; a spec that does not parse fails the test (std::get throws).

#include <initializer_list>
#include <variant>

#include "gpu_spec/spec.hpp"

namespace gpurun::testing {

inline gpu_spec::GpuSpec spec(const char* text) { return std::get<gpu_spec::GpuSpec>(gpu_spec::parse_spec(text)); }

inline gpu_spec::GpuChain chain(std::initializer_list<const char*> texts) {
  gpu_spec::GpuChain out;
  for (const char* text : texts) out.push_back(spec(text));
  return out;
}

} // namespace gpurun::testing
