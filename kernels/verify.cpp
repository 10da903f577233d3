#include "kernels/verify.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace gpurun::kernels {
namespace {

// Why `entry` does not accept these GPUs; empty when it does.
std::string mismatch(const gpu_spec::GpuSpec& entry, const SmokeReport& report, gpu_spec::Fit& fit) {
  if (static_cast<int>(report.devices.size()) < entry.count)
    return fmt::format("{}: needs {} GPUs, got {}", entry.to_string(), entry.count, report.devices.size());
  fit = gpu_spec::Fit::exact;
  for (const DeviceReport& device : report.devices) {
    if (device.type.empty())
      return fmt::format("{}: device {} ({}) is not in the catalog", entry.to_string(), device.info.index,
                         device.info.name);
    gpu_spec::Fit one = entry.fit(device.type);
    if (one == gpu_spec::Fit::no) {
      bool forbidden_upgrade = entry.upgrade == gpu_spec::Upgrade::forbidden &&
                               gpu_spec::GpuSpec{entry.type, entry.count, gpu_spec::Upgrade::allowed}.fit(
                                   device.type) == gpu_spec::Fit::upgrade;
      return fmt::format("{}: device {} is {}{}", entry.to_string(), device.info.index, device.type,
                         forbidden_upgrade ? ", an upgrade that '!' forbids" : "");
    }
    if (one == gpu_spec::Fit::upgrade) fit = gpu_spec::Fit::upgrade;
  }
  return "";
}

} // namespace

PlacementVerdict verify_placement(Backend& backend, const std::vector<int>& devices, const gpu_spec::GpuChain& chain) {
  if (chain.empty()) throw Error("verify_placement: the GPU chain is empty", ErrorKind::invalid);
  PlacementVerdict verdict;
  SmokeOptions options;
  options.level = Level::quick;
  options.devices = devices;
  verdict.report = run_smoke(backend, options);
  const SmokeReport& report = verdict.report;
  if (report.status == ReportStatus::no_device) {
    verdict.reasons.push_back(report.reason);
    return verdict;
  }

  std::vector<std::string> misses;
  for (size_t i = 0; i < chain.size(); ++i) {
    gpu_spec::Fit fit = gpu_spec::Fit::no;
    std::string why = mismatch(chain[i], report, fit);
    if (why.empty()) {
      verdict.chain_entry = i;
      verdict.fit = fit;
      break;
    }
    misses.push_back(std::move(why));
  }
  if (!verdict.chain_entry)
    verdict.reasons.push_back(fmt::format("the GPUs are not what [{}] allows: {}", gpu_spec::chain_to_string(chain),
                                          fmt::join(misses, "; ")));

  for (const DeviceReport& device : report.devices)
    for (const CheckResult& check : device.checks)
      if (check.status == CheckStatus::fail || check.status == CheckStatus::warn)
        verdict.reasons.push_back(fmt::format("device {}: {} {}: {}", device.info.index, check.name,
                                              status_name(check.status), check.detail));
  for (const CheckResult& check : report.checks)
    if (check.status == CheckStatus::fail || check.status == CheckStatus::warn)
      verdict.reasons.push_back(fmt::format("{} {}: {}", check.name, status_name(check.status), check.detail));

  verdict.pass = verdict.chain_entry.has_value() && report.status != ReportStatus::fail;
  return verdict;
}

} // namespace gpurun::kernels
