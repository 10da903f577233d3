#pragma once
// The GPU catalog: every type gpurun knows, as data. catalog.cpp holds the one table; add a
// type there and every command (spec parsing, plan, gpus, smoke identity) picks it up.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gpurun::gpu_spec {

// A physical type is a card a node can hold; a family (A100) is a request-only name that is
// served by one of its physical variants.
enum class TypeKind { physical, family };

struct Price {
  double usd_per_hour = 0;
  std::string_view source{}; // where the figure was read, with its date
};

struct GpuType {
  std::string_view name{}; // canonical spelling, as printed everywhere
  TypeKind kind = TypeKind::physical;
  std::vector<std::string_view> aliases{}; // other accepted request spellings (A10G)
  std::string_view architecture{};
  double memory_gb = 0;          // per GPU; for a family, the smallest variant
  double bandwidth_gbps = 0;     // memory bandwidth, GB/s (datasheet)
  double fp32_tflops = 0;        // dense FP32 peak (datasheet)
  double bf16_tflops = 0;        // dense BF16 tensor peak (datasheet); 0 where unsupported
  int cc_major = 0;              // compute capability
  int cc_minor = 0;
  int max_count = 8;             // GPUs one function may request on one node
  // Physical types a request for this name may run on, in order of preference: the first is the
  // exact match, the rest are upgrades. `TYPE!` keeps only the first.
  std::vector<std::string_view> runs_on{};
  std::vector<std::string_view> device_names{}; // names drivers report (nvidia-smi, cudaGetDeviceProperties)
  std::vector<unsigned> pci_device_ids{};       // PCI device ids (vendor 0x10de)
  std::optional<Price> price{};
  std::string_view summary{}; // one line for `gpurun gpus`

  bool upgradable() const { return runs_on.size() > 1; }
};

// Every type, in the catalog's display order (smallest to largest).
std::span<const GpuType> catalog();

// The type whose canonical name or alias equals `name`, ignoring case; nullptr when none.
const GpuType* find_type(std::string_view name);

// Canonical names and aliases, for did-you-mean suggestions and shell completion.
std::vector<std::string> type_names();

} // namespace gpurun::gpu_spec
