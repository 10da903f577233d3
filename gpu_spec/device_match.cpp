#include "gpu_spec/device_match.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace gpurun::gpu_spec {
namespace {

std::string lowered(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

} // namespace

const GpuType* match_device(const DeviceFacts& facts) {
  if (facts.pci_device_id) {
    for (const GpuType& type : catalog())
      for (unsigned id : type.pci_device_ids)
        if (id == *facts.pci_device_id) return &type;
  }
  const std::string name = lowered(facts.name);
  for (const GpuType& type : catalog())
    for (std::string_view known : type.device_names)
      if (name == lowered(known)) return &type;

  // Unlisted form factors ("NVIDIA A100-SXM4-80GB" vs "NVIDIA A100 80GB PCIe"): the longest catalog
  // name that the reported name contains as a whole word wins; A100s are told apart by memory.
  if (name.find("a100") != std::string::npos && facts.memory_gib > 0)
    return find_type(facts.memory_gib > 60 ? "A100-80GB" : "A100-40GB");
  const GpuType* best = nullptr;
  for (const GpuType& type : catalog()) {
    if (type.kind != TypeKind::physical) continue;
    const std::string needle = lowered(type.name);
    size_t at = name.find(needle);
    if (at == std::string::npos) continue;
    size_t end = at + needle.size();
    bool word_start = at == 0 || !std::isalnum(static_cast<unsigned char>(name[at - 1]));
    bool word_end = end == name.size() || !std::isalnum(static_cast<unsigned char>(name[end]));
    if (word_start && word_end && (best == nullptr || type.name.size() > best->name.size()))
      best = &type;
  }
  return best;
}

} // namespace gpurun::gpu_spec
