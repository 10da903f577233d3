#include "gpu_spec/selection.hpp"

#include <fmt/format.h>

#include "gpu_spec/catalog.hpp"

namespace gpurun::gpu_spec {
namespace {

std::string figures(std::string_view name) {
  const GpuType* type = find_type(name);
  return fmt::format("{:g} GB, {:g} TB/s", type->memory_gb, type->bandwidth_gbps / 1000);
}

} // namespace

std::optional<Workload> parse_workload(std::string_view name) {
  if (name == "inference") return Workload::inference;
  if (name == "training") return Workload::training;
  if (name == "memory-bound") return Workload::memory_bound;
  return std::nullopt;
}

std::vector<std::string> workload_names() { return {"inference", "training", "memory-bound"}; }

std::vector<Recommendation> recommend(Workload workload) {
  switch (workload) {
  case Workload::inference:
    return {
        {"L40S", "recommended start for inference: excellent cost/performance, " + figures("L40S") +
                     "; good for LLaMA, Stable Diffusion"},
        {"L4", "balanced performance and cost for small models, " + figures("L4")},
        {"A10", "up to 4 GPUs, 96 GB total, " + figures("A10")},
        {"H100", "when latency matters more than cost; consider L40S before jumping to H100"},
    };
  case Workload::training:
    return {
        {"H100", "high compute throughput (" + fmt::format("{:g}", find_type("H100")->bf16_tflops) +
                     " TFLOP/s dense BF16); up to 8 on one node"},
        {"A100", "high compute throughput and large memory for batch processing; 40GB or 80GB"},
        {"H200", "Hopper compute with more memory, " + figures("H200")},
        {"B200", "most powerful option, " + figures("B200")},
    };
  case Workload::memory_bound:
    return {
        {"H200", "more memory capacity and bandwidth, " + figures("H200") +
                     "; better for large models"},
        {"A100-80GB", "more memory capacity, " + figures("A100-80GB")},
        {"B200", "largest memory, " + figures("B200") +
                     "; speedup may not justify the cost for memory-bound work"},
    };
  }
  return {};
}

} // namespace gpurun::gpu_spec
