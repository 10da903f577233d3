#include "kernels/nvml.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <mutex>

namespace gpurun::kernels::nvml {
namespace {

// The few declarations of nvml.h this file needs, so that building needs no driver headers. The
// signatures and the nvmlPciInfo_t layout are NVML's stable ABI (nvml.h, versions 11 to 13).
using Return = int;
constexpr Return k_success = 0;
using DeviceHandle = struct nvmlDevice_st*;
struct PciInfo {
  char bus_id_legacy[16];
  unsigned domain;
  unsigned bus;
  unsigned device;
  unsigned pci_device_id; // product id in the high 16 bits, vendor in the low 16
  unsigned pci_subsystem_id;
  char bus_id[32];
};
constexpr int k_uncorrected = 1;       // NVML_MEMORY_ERROR_TYPE_UNCORRECTED
constexpr int k_volatile = 0;          // NVML_VOLATILE_ECC
constexpr int k_aggregate = 1;         // NVML_AGGREGATE_ECC

struct Api {
  void* library = nullptr;
  std::string error;
  Return (*init)() = nullptr;
  const char* (*error_string)(Return) = nullptr;
  Return (*driver_version)(char*, unsigned) = nullptr;
  Return (*by_bus_id)(const char*, DeviceHandle*) = nullptr;
  Return (*pci_info)(DeviceHandle, PciInfo*) = nullptr;
  Return (*ecc_mode)(DeviceHandle, int*, int*) = nullptr;
  Return (*ecc_errors)(DeviceHandle, int, int, unsigned long long*) = nullptr;
  Return (*retired_pending)(DeviceHandle, int*) = nullptr;
  Return (*remapped_rows)(DeviceHandle, unsigned*, unsigned*, unsigned*, unsigned*) = nullptr;
  Return (*clock_events)(DeviceHandle, unsigned long long*) = nullptr;
  Return (*link_gen)(DeviceHandle, unsigned*) = nullptr;
  Return (*link_width)(DeviceHandle, unsigned*) = nullptr;
  Return (*max_link_gen)(DeviceHandle, unsigned*) = nullptr;
  Return (*max_link_width)(DeviceHandle, unsigned*) = nullptr;
};

template <typename F> void bind(void* library, F& slot, const char* name) {
  slot = reinterpret_cast<F>(dlsym(library, name));
}

const Api& api() {
  static Api loaded;
  static std::once_flag once;
  std::call_once(once, [] {
    Api& a = loaded;
    a.library = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!a.library) {
      a.error = "NVML is not available (libnvidia-ml.so.1 not found: no NVIDIA driver?)";
      return;
    }
    bind(a.library, a.init, "nvmlInit_v2");
    bind(a.library, a.error_string, "nvmlErrorString");
    bind(a.library, a.driver_version, "nvmlSystemGetDriverVersion");
    bind(a.library, a.by_bus_id, "nvmlDeviceGetHandleByPciBusId_v2");
    bind(a.library, a.pci_info, "nvmlDeviceGetPciInfo_v3");
    bind(a.library, a.ecc_mode, "nvmlDeviceGetEccMode");
    bind(a.library, a.ecc_errors, "nvmlDeviceGetTotalEccErrors");
    bind(a.library, a.retired_pending, "nvmlDeviceGetRetiredPagesPendingStatus");
    bind(a.library, a.remapped_rows, "nvmlDeviceGetRemappedRows");
    bind(a.library, a.clock_events, "nvmlDeviceGetCurrentClocksEventReasons");
    if (!a.clock_events) bind(a.library, a.clock_events, "nvmlDeviceGetCurrentClocksThrottleReasons");
    bind(a.library, a.link_gen, "nvmlDeviceGetCurrPcieLinkGeneration");
    bind(a.library, a.link_width, "nvmlDeviceGetCurrPcieLinkWidth");
    bind(a.library, a.max_link_gen, "nvmlDeviceGetMaxPcieLinkGeneration");
    bind(a.library, a.max_link_width, "nvmlDeviceGetMaxPcieLinkWidth");
    if (!a.init || !a.by_bus_id) {
      a.error = "NVML is too old (nvmlInit_v2 or nvmlDeviceGetHandleByPciBusId_v2 missing)";
      return;
    }
    Return status = a.init();
    if (status != k_success)
      a.error = fmt::format("NVML failed to initialise: {}", a.error_string ? a.error_string(status) : "error");
    // NVML stays initialised for the life of the process; nvmlShutdown at exit buys nothing.
  });
  return loaded;
}

DeviceHandle handle(const std::string& pci_bus_id) {
  const Api& a = api();
  if (!a.error.empty() || pci_bus_id.empty()) return nullptr;
  DeviceHandle device = nullptr;
  if (a.by_bus_id(pci_bus_id.c_str(), &device) != k_success) return nullptr;
  return device;
}

std::optional<int> read_unsigned(Return (*fn)(DeviceHandle, unsigned*), DeviceHandle device) {
  unsigned value = 0;
  if (fn && fn(device, &value) == k_success) return static_cast<int>(value);
  return std::nullopt;
}

} // namespace

std::string unavailable() { return api().error; }

std::string driver_version() {
  const Api& a = api();
  char buffer[96] = {};
  if (!a.error.empty() || !a.driver_version || a.driver_version(buffer, sizeof(buffer)) != k_success) return "";
  return buffer;
}

Health read_health(const std::string& pci_bus_id) {
  Health h;
  const Api& a = api();
  if (!a.error.empty()) {
    h.unreadable_reason = a.error;
    return h;
  }
  DeviceHandle device = handle(pci_bus_id);
  if (!device) {
    h.unreadable_reason = fmt::format("NVML does not know the device at PCI {}", pci_bus_id);
    return h;
  }
  int current = 0, pending = 0;
  if (a.ecc_mode && a.ecc_mode(device, &current, &pending) == k_success) h.ecc_enabled = current != 0;
  unsigned long long count = 0;
  if (a.ecc_errors && a.ecc_errors(device, k_uncorrected, k_volatile, &count) == k_success)
    h.ecc_uncorrected_volatile = count;
  if (a.ecc_errors && a.ecc_errors(device, k_uncorrected, k_aggregate, &count) == k_success)
    h.ecc_uncorrected_aggregate = count;
  int retired = 0;
  if (a.retired_pending && a.retired_pending(device, &retired) == k_success) h.retired_pages_pending = retired != 0;
  unsigned corrected_rows = 0, uncorrected_rows = 0, is_pending = 0, failed = 0;
  if (a.remapped_rows && a.remapped_rows(device, &corrected_rows, &uncorrected_rows, &is_pending, &failed) == k_success) {
    h.remapped_rows_uncorrectable = uncorrected_rows;
    h.remap_pending = is_pending != 0;
    h.remap_failed = failed != 0;
  }
  unsigned long long reasons = 0;
  if (a.clock_events && a.clock_events(device, &reasons) == k_success) h.clock_event_reasons = reasons;
  h.pcie_gen = read_unsigned(a.link_gen, device);
  h.pcie_width = read_unsigned(a.link_width, device);
  h.pcie_max_gen = read_unsigned(a.max_link_gen, device);
  h.pcie_max_width = read_unsigned(a.max_link_width, device);
  return h;
}

std::optional<unsigned> pci_device_id(const std::string& pci_bus_id) {
  if (DeviceHandle device = handle(pci_bus_id)) {
    PciInfo info{};
    if (api().pci_info && api().pci_info(device, &info) == k_success) return info.pci_device_id >> 16;
  }
  // sysfs names devices in lower case: /sys/bus/pci/devices/0000:18:00.0/device holds "0x2335".
  std::string lowered = pci_bus_id;
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::ifstream file("/sys/bus/pci/devices/" + lowered + "/device");
  std::string text;
  if (!(file >> text)) return std::nullopt;
  try {
    return static_cast<unsigned>(std::stoul(text, nullptr, 16));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

} // namespace gpurun::kernels::nvml
