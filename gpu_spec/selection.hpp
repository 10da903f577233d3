#pragma once
// The seed document's GPU selection guide, as a ranked answer per workload.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpurun::gpu_spec {

enum class Workload { inference, training, memory_bound };

struct Recommendation {
  std::string_view type; // canonical catalog name
  std::string reason;
};

// "inference", "training" or "memory-bound"; nullopt for anything else.
std::optional<Workload> parse_workload(std::string_view name);
std::vector<std::string> workload_names();

// Best first. The order and the reasons follow the selection guide: L40S first for inference,
// H100 or A100 for training, H200 or A100-80GB for memory-bound work.
std::vector<Recommendation> recommend(Workload workload);

} // namespace gpurun::gpu_spec
