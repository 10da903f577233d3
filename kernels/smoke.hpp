#pragma once
// `gpurun smoke`: proves that each GPU is healthy and is the GPU asked for. run_smoke() drives a
// Backend through the checks, grades each against the catalog (thresholds.hpp) and returns a
// report; the CLI prints it. Nothing here includes CUDA.

#include <optional>
#include <string>
#include <vector>

#include "gpu_spec/spec.hpp"
#include "kernels/backend.hpp"
#include "kernels/thresholds.hpp"

namespace gpurun::kernels {

struct CheckResult {
  std::string name;                 // "bandwidth_copy"; peer checks name their pair "peer_copy_0_1"
  std::optional<double> value;      // the measurement, in `unit`; empty for pass/fail-only checks
  std::string unit;                 // "GB/s", "TFLOP/s", "errors", ...
  std::optional<double> catalog;    // the catalog (or link) figure the value is rated against
  std::optional<double> ratio;      // value / catalog
  std::optional<Threshold> threshold;
  CheckStatus status = CheckStatus::skip;
  double duration_s = 0;
  std::string detail;               // one line: what was measured, or why it failed or was skipped
};

struct DeviceReport {
  DeviceInfo info;
  std::string type;                     // matched catalog type; empty when not in the catalog
  std::optional<gpu_spec::Fit> fit;     // against --expect, when given
  std::vector<CheckResult> checks;
  CheckStatus status = CheckStatus::skip;
};

enum class ReportStatus { pass, warn, fail, no_device };

struct SmokeReport {
  Level level = Level::quick;
  std::optional<gpu_spec::GpuSpec> expect;
  std::string driver_version;
  std::string cuda_driver_version;
  std::string runtime_version;
  std::vector<DeviceReport> devices;
  std::vector<CheckResult> checks;  // checks across devices: the expectation's count, peers
  ReportStatus status = ReportStatus::no_device;
  std::string reason;               // for no_device, and the first failure otherwise
  double duration_s = 0;
};

struct SmokeOptions {
  Level level = Level::quick;
  std::optional<gpu_spec::GpuSpec> expect;
  // CUDA ordinals to test; empty means every visible device.
  std::vector<int> devices;
};

// Runs every check on the chosen devices. A device index that does not exist throws
// Error(invalid). No usable device gives a report with status no_device and a reason; a check
// that cannot run is reported as failed, with the backend's message as its detail.
SmokeReport run_smoke(Backend& backend, const SmokeOptions& options);

std::string_view level_name(Level level);
std::string_view report_status_name(ReportStatus status);
std::string_view fit_name(gpu_spec::Fit fit);

// The identity check alone, for one device against an expected spec: the matched type, how it
// fits, and a check result (exposed for verify.cpp and the tests).
CheckResult identity_check(const DeviceInfo& info, const std::optional<gpu_spec::GpuSpec>& expect,
                           std::string& type, std::optional<gpu_spec::Fit>& fit);

// The rated check for a measured value against a catalog figure (grading, ratio, threshold).
CheckResult rated_check(std::string name, double value, std::string unit, std::optional<double> catalog);

// The PCIe link figure in GB/s for a generation and width, after line encoding; nullopt when
// the generation is unknown.
std::optional<double> pcie_link_gbps(int generation, int width);

} // namespace gpurun::kernels
