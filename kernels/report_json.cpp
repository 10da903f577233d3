#include "kernels/report_json.hpp"

#include <fmt/format.h>

#include <cmath>

namespace gpurun::kernels {
namespace {

nlohmann::json optional_number(const std::optional<double>& value) {
  // JSON has no NaN or infinity; a measurement that produced one is reported as null.
  if (!value || !std::isfinite(*value)) return nullptr;
  return *value;
}

nlohmann::json optional_text(const std::string& text) {
  if (text.empty()) return nullptr;
  return text;
}

} // namespace

nlohmann::json to_json(const CheckResult& check) {
  nlohmann::json threshold = nullptr;
  if (check.threshold)
    threshold = {{"warn_below", check.threshold->warn_below}, {"fail_below", check.threshold->fail_below}};
  return {
      {"name", check.name},
      {"status", status_name(check.status)},
      {"value", optional_number(check.value)},
      {"unit", optional_text(check.unit)},
      {"catalog", optional_number(check.catalog)},
      {"ratio", optional_number(check.ratio)},
      {"threshold", threshold},
      {"duration_s", check.duration_s},
      {"detail", check.detail},
  };
}

nlohmann::json to_json(const DeviceReport& device) {
  nlohmann::json checks = nlohmann::json::array();
  for (const CheckResult& check : device.checks) checks.push_back(to_json(check));
  const DeviceInfo& info = device.info;
  return {
      {"index", info.index},
      {"name", info.name},
      {"type", optional_text(device.type)},
      {"fit", device.fit ? nlohmann::json(fit_name(*device.fit)) : nlohmann::json(nullptr)},
      {"pci_bus_id", optional_text(info.pci_bus_id)},
      {"pci_device_id", info.pci_device_id ? nlohmann::json(fmt::format("0x{:04x}", *info.pci_device_id))
                                           : nlohmann::json(nullptr)},
      {"memory_bytes", info.memory_bytes},
      {"sm_count", info.sm_count},
      {"compute_capability", fmt::format("{}.{}", info.cc_major, info.cc_minor)},
      {"status", status_name(device.status)},
      {"checks", checks},
  };
}

nlohmann::json to_json(const SmokeReport& report) {
  nlohmann::json devices = nlohmann::json::array();
  for (const DeviceReport& device : report.devices) devices.push_back(to_json(device));
  nlohmann::json checks = nlohmann::json::array();
  for (const CheckResult& check : report.checks) checks.push_back(to_json(check));
  return {
      {"status", report_status_name(report.status)},
      {"reason", optional_text(report.reason)},
      {"level", level_name(report.level)},
      {"expect", report.expect ? nlohmann::json(report.expect->to_string()) : nlohmann::json(nullptr)},
      {"driver_version", optional_text(report.driver_version)},
      {"cuda_driver_version", optional_text(report.cuda_driver_version)},
      {"runtime_version", optional_text(report.runtime_version)},
      {"duration_s", report.duration_s},
      {"devices", devices},
      {"checks", checks},
  };
}

} // namespace gpurun::kernels
