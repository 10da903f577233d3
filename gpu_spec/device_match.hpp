#pragma once
// Matching a GPU that a driver reports to a catalog type, for the local inventory and for
// `gpurun smoke --expect`.

#include <optional>
#include <string_view>

#include "gpu_spec/catalog.hpp"

namespace gpurun::gpu_spec {

struct DeviceFacts {
  std::string_view name;            // as the driver reports it ("NVIDIA H200")
  std::optional<unsigned> pci_device_id; // PCI device id, where readable
  double memory_gib = 0;            // total memory in GiB, 0 when unknown
};

// The physical catalog type of a device: by PCI device id first (exact), else by name. For the
// A100, whose two variants share a name prefix, the reported memory decides. nullptr when the
// device is not in the catalog.
const GpuType* match_device(const DeviceFacts& facts);

} // namespace gpurun::gpu_spec
