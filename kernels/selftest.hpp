#pragma once
// Correctness tests of the smoke kernels themselves, run on a real GPU: each kernel gets fresh
// random inputs, its output is poisoned before the launch (so an element it never writes fails),
// and the result is compared with a float64 reference computed on the CPU. The unit tests call
// this and skip, saying why, where no GPU can be used.

#include <cstdint>
#include <string>
#include <vector>

namespace gpurun::kernels {

struct SelfTestResult {
  std::string name;       // "copy", "triad", "fma", "memtest_detects_flip", "gemm_random", ...
  double error = 0;       // relative error ||out - ref|| / ||ref||, or a count for exact tests
  double tolerance = 0;
  bool passed = false;
  std::string detail;
};

// Why the self tests cannot run in this process (no CUDA support in the build, no driver, no
// device); empty when they can.
std::string self_test_unavailable();

// Runs every kernel test on CUDA ordinal `device` with inputs drawn from `seed`. Throws
// gpurun::Error when a CUDA call fails outright.
std::vector<SelfTestResult> run_self_tests(int device, std::uint64_t seed);

} // namespace gpurun::kernels
