#pragma once
// NVML, loaded at run time with dlopen, so the binary starts (and smoke reports "skipped") on
// machines without the NVIDIA driver. Only the handful of calls the health checks need.

#include <optional>
#include <string>

#include "kernels/backend.hpp"

namespace gpurun::kernels::nvml {

// Why NVML cannot be used in this process; empty when it can. Loads and initialises it once.
std::string unavailable();

// The driver version ("580.159.04"); empty when NVML is unavailable.
std::string driver_version();

// Health counters of the GPU at `pci_bus_id` ("0000:18:00.0", as CUDA reports it); fields NVML
// cannot read stay empty and unreadable_reason says why when nothing could be read.
Health read_health(const std::string& pci_bus_id);

// The PCI product id (0x2335 for an H200 SXM), from NVML or else from sysfs; nullopt when neither
// can be read.
std::optional<unsigned> pci_device_id(const std::string& pci_bus_id);

} // namespace gpurun::kernels::nvml
