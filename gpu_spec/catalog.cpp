#include "gpu_spec/catalog.hpp"

#include <algorithm>
#include <cctype>

namespace gpurun::gpu_spec {
namespace {

// Figures are vendor datasheet peaks (SXM parts where there are several form factors); BF16 is
// dense (without sparsity). Prices are Modal's public on-demand list prices per GPU.
constexpr std::string_view k_price_source = "https://modal.com/pricing (list price, 2025)";

const std::vector<GpuType>& table() {
  static const std::vector<GpuType> types = {
      {.name = "T4", .architecture = "Turing", .memory_gb = 16, .bandwidth_gbps = 320,
       .fp32_tflops = 8.1, .bf16_tflops = 0, .cc_major = 7, .cc_minor = 5, .max_count = 8,
       .runs_on = {"T4"}, .device_names = {"Tesla T4", "NVIDIA T4"}, .pci_device_ids = {0x1EB8},
       .price = Price{0.59, k_price_source}, .summary = "Entry-level GPU"},
      {.name = "L4", .architecture = "Ada Lovelace", .memory_gb = 24, .bandwidth_gbps = 300,
       .fp32_tflops = 30.3, .bf16_tflops = 121, .cc_major = 8, .cc_minor = 9, .max_count = 8,
       .runs_on = {"L4"}, .device_names = {"NVIDIA L4"}, .pci_device_ids = {0x27B8},
       .price = Price{0.80, k_price_source}, .summary = "Balanced performance and cost"},
      {.name = "A10", .aliases = {"A10G"}, .architecture = "Ampere", .memory_gb = 24,
       .bandwidth_gbps = 600, .fp32_tflops = 31.2, .bf16_tflops = 125, .cc_major = 8,
       .cc_minor = 6, .max_count = 4, .runs_on = {"A10"},
       .device_names = {"NVIDIA A10", "NVIDIA A10G"}, .pci_device_ids = {0x2236, 0x2237},
       .price = Price{1.10, k_price_source}, .summary = "Up to 4 GPUs, 96 GB total"},
      {.name = "A100", .kind = TypeKind::family, .architecture = "Ampere", .memory_gb = 40,
       .bandwidth_gbps = 1555, .fp32_tflops = 19.5, .bf16_tflops = 312, .cc_major = 8,
       .cc_minor = 0, .max_count = 8, .runs_on = {"A100-40GB", "A100-80GB"},
       .summary = "40GB or 80GB variant; may be upgraded to 80GB"},
      {.name = "A100-40GB", .architecture = "Ampere", .memory_gb = 40, .bandwidth_gbps = 1555,
       .fp32_tflops = 19.5, .bf16_tflops = 312, .cc_major = 8, .cc_minor = 0, .max_count = 8,
       .runs_on = {"A100-40GB"},
       .device_names = {"NVIDIA A100-SXM4-40GB", "NVIDIA A100-PCIE-40GB"},
       .pci_device_ids = {0x20B0, 0x20F1}, .price = Price{2.10, k_price_source},
       .summary = "Specific 40GB variant"},
      {.name = "A100-80GB", .architecture = "Ampere", .memory_gb = 80, .bandwidth_gbps = 2039,
       .fp32_tflops = 19.5, .bf16_tflops = 312, .cc_major = 8, .cc_minor = 0, .max_count = 8,
       .runs_on = {"A100-80GB"},
       .device_names = {"NVIDIA A100-SXM4-80GB", "NVIDIA A100 80GB PCIe"},
       .pci_device_ids = {0x20B2, 0x20B5}, .price = Price{2.50, k_price_source},
       .summary = "Specific 80GB variant"},
      {.name = "L40S", .architecture = "Ada Lovelace", .memory_gb = 48, .bandwidth_gbps = 864,
       .fp32_tflops = 91.6, .bf16_tflops = 362, .cc_major = 8, .cc_minor = 9, .max_count = 8,
       .runs_on = {"L40S"}, .device_names = {"NVIDIA L40S"}, .pci_device_ids = {0x26B9},
       .price = Price{1.95, k_price_source}, .summary = "48 GB, excellent for inference"},
      {.name = "H100", .architecture = "Hopper", .memory_gb = 80, .bandwidth_gbps = 3350,
       .fp32_tflops = 67, .bf16_tflops = 989, .cc_major = 9, .cc_minor = 0, .max_count = 8,
       .runs_on = {"H100", "H200"},
       .device_names = {"NVIDIA H100 80GB HBM3", "NVIDIA H100 PCIe", "NVIDIA H100 NVL",
                        "NVIDIA H100"},
       .pci_device_ids = {0x2330, 0x2331, 0x2321}, .price = Price{3.95, k_price_source},
       .summary = "Top-tier Hopper; may be upgraded to H200 (H100! forbids it)"},
      {.name = "H200", .architecture = "Hopper", .memory_gb = 141, .bandwidth_gbps = 4800,
       .fp32_tflops = 67, .bf16_tflops = 989, .cc_major = 9, .cc_minor = 0, .max_count = 8,
       .runs_on = {"H200"}, .device_names = {"NVIDIA H200", "NVIDIA H200 NVL"},
       .pci_device_ids = {0x2335, 0x233B}, .price = Price{4.54, k_price_source},
       .summary = "Improved Hopper with more memory"},
      {.name = "B200", .architecture = "Blackwell", .memory_gb = 192, .bandwidth_gbps = 8000,
       .fp32_tflops = 75, .bf16_tflops = 2250, .cc_major = 10, .cc_minor = 0, .max_count = 8,
       .runs_on = {"B200"}, .device_names = {"NVIDIA B200"}, .pci_device_ids = {0x2901},
       .price = Price{6.25, k_price_source}, .summary = "Latest Blackwell architecture"},
  };
  return types;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

} // namespace

std::span<const GpuType> catalog() { return table(); }

const GpuType* find_type(std::string_view name) {
  for (const GpuType& type : table()) {
    if (iequals(type.name, name)) return &type;
    for (std::string_view alias : type.aliases)
      if (iequals(alias, name)) return &type;
  }
  return nullptr;
}

std::vector<std::string> type_names() {
  std::vector<std::string> names;
  for (const GpuType& type : table()) {
    names.emplace_back(type.name);
    for (std::string_view alias : type.aliases) names.emplace_back(alias);
  }
  return names;
}

} // namespace gpurun::gpu_spec
