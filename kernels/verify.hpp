#pragma once
// `smoke: quick` for a function: before its command starts, the executor checks that the GPUs it
// was placed on are healthy and are what the function's chain allowed. The executor calls
// verify_placement() with the CUDA ordinals it gave the run.

#include <optional>
#include <string>
#include <vector>

#include "gpu_spec/spec.hpp"
#include "kernels/backend.hpp"
#include "kernels/smoke.hpp"

namespace gpurun::kernels {

struct PlacementVerdict {
  bool pass = false;
  std::optional<size_t> chain_entry;  // the first chain entry the GPUs satisfy
  std::optional<gpu_spec::Fit> fit;   // exact or upgrade, for that entry
  std::vector<std::string> reasons;   // why it failed; warnings when it passed
  SmokeReport report;                 // the quick smoke report behind the verdict
};

// Runs the quick smoke level on `devices` (CUDA ordinals; empty means every visible device) and
// judges it against `chain`: it passes when no check fails and every GPU fits one entry whose
// count the GPUs cover. Fails, with reasons, on no device, a failed check, a wrong type, a
// forbidden upgrade or too few GPUs. Throws Error(invalid) for an empty chain or a device
// ordinal that does not exist.
PlacementVerdict verify_placement(Backend& backend, const std::vector<int>& devices, const gpu_spec::GpuChain& chain);

} // namespace gpurun::kernels
