#pragma once
// The GPUs of this machine, as the local executor sees them: from nvidia-smi where it is
// installed and finds devices, matched to the catalog.

#include <string>
#include <vector>

namespace gpurun::server {

struct LocalGpu {
  int index = 0;    // the CUDA device index (CUDA_VISIBLE_DEVICES)
  std::string type; // canonical catalog type
};

struct GpuDiscovery {
  std::vector<LocalGpu> gpus;
  std::vector<std::string> notes; // devices skipped (not in the catalog), tool errors
};

// Never throws: no nvidia-smi, or no devices, gives an empty list.
GpuDiscovery discover_gpus();

// Parses nvidia-smi's `--query-gpu=index,name,memory.total,pci.device_id --format=csv,noheader,nounits`.
GpuDiscovery parse_nvidia_smi(const std::string& csv);

} // namespace gpurun::server
