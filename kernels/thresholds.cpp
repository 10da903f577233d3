#include "kernels/thresholds.hpp"

#include <array>

namespace gpurun::kernels {
namespace {

// Catalog figures are datasheet peaks, which no program reaches; the healthy ratios in `why`
// were measured on an H200 (docs/smoke.md). Warn leaves room for a busy neighbour or a warm
// card; fail means the card is far off what was paid for.
constexpr std::array k_thresholds = {
    Threshold{"memory_size", 0.97, 0.90,
              "total memory over the catalog size in 1e9 bytes; cards report a little more than "
              "their marketed size (H200: 1.07), a MIG slice or a smaller variant reports less"},
    Threshold{"bandwidth_copy", 0.75, 0.50,
              "device copy, bytes read + written over datasheet bandwidth; H200 measures about "
              "0.90 (4.3 of 4.8 TB/s)"},
    Threshold{"bandwidth_triad", 0.75, 0.50,
              "a = b + s*c, bytes read + written over datasheet bandwidth; H200 about 0.90"},
    Threshold{"fp32_fma", 0.75, 0.50,
              "FP32 FMA rate over the datasheet FP32 peak; about 0.9 to 1.0 when the card holds "
              "its boost clock, lower when it clocks down under power or heat"},
    Threshold{"gemm_bf16", 0.60, 0.40,
              "bf16 GEMM 8192^3 through cuBLASLt over the dense bf16 peak; H200 about 0.80 "
              "(790 of 989 TFLOP/s) on random data"},
    Threshold{"host_to_device", 0.50, 0.20,
              "pinned copy over the PCIe link's figure (generation x width, after encoding); "
              "Gen5 x16 measures about 0.87 (55 of 63 GB/s)"},
    Threshold{"device_to_host", 0.50, 0.20,
              "pinned copy over the PCIe link's figure; Gen5 x16 about 0.87"},
};

int rank(CheckStatus status) {
  switch (status) {
  case CheckStatus::skip: return 0;
  case CheckStatus::pass: return 1;
  case CheckStatus::warn: return 2;
  case CheckStatus::fail: return 3;
  }
  return 3;
}

} // namespace

std::string_view status_name(CheckStatus status) {
  switch (status) {
  case CheckStatus::pass: return "pass";
  case CheckStatus::warn: return "warn";
  case CheckStatus::fail: return "fail";
  case CheckStatus::skip: return "skip";
  }
  return "fail";
}

CheckStatus worse(CheckStatus a, CheckStatus b) { return rank(a) >= rank(b) ? a : b; }

std::span<const Threshold> thresholds() { return k_thresholds; }

std::optional<Threshold> threshold_for(std::string_view check) {
  for (const Threshold& t : k_thresholds)
    if (t.check == check) return t;
  return std::nullopt;
}

CheckStatus grade(double ratio, const Threshold& threshold) {
  // NaN compares false everywhere: treat it as the worst case rather than a pass.
  if (!(ratio >= threshold.fail_below)) return CheckStatus::fail;
  if (ratio < threshold.warn_below) return CheckStatus::warn;
  return CheckStatus::pass;
}

} // namespace gpurun::kernels
