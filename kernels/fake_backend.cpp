#include "kernels/fake_backend.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace gpurun::kernels {

FakeBackend::FakeBackend(std::string reason) : m_reason(std::move(reason)) {}

FakeBackend::FakeBackend(std::vector<FakeDevice> devices) : m_devices(std::move(devices)) {}

FakeDevice FakeBackend::h200(int index) {
  FakeDevice d;
  d.info.index = index;
  d.info.name = "NVIDIA H200";
  d.info.pci_bus_id = fmt::format("0000:{:02x}:00.0", 0x18 + index);
  d.info.pci_device_id = 0x2335;
  d.info.memory_bytes = 143771ull << 20;
  d.info.sm_count = 132;
  d.info.cc_major = 9;
  d.info.cc_minor = 0;
  d.health.ecc_enabled = true;
  d.health.ecc_uncorrected_volatile = 0;
  d.health.ecc_uncorrected_aggregate = 0;
  d.health.remapped_rows_uncorrectable = 0;
  d.health.remap_pending = false;
  d.health.remap_failed = false;
  d.health.clock_event_reasons = 0x4; // sw_power_cap: normal under load
  d.health.pcie_gen = 5;
  d.health.pcie_width = 16;
  d.health.pcie_max_gen = 5;
  d.health.pcie_max_width = 16;
  d.memtest.bytes_tested = 1ull << 30;
  d.memtest.free_bytes = 140ull << 30;
  d.memtest.patterns = 66;
  d.bandwidth.copy_gbps = 4250;
  d.bandwidth.triad_gbps = 4300;
  d.bandwidth.buffer_bytes = 1ull << 30;
  d.fma.tflops = 65.0;
  d.fma.clock_mhz = 1980;
  d.gemm.m = d.gemm.n = d.gemm.k = 8192;
  d.gemm.tflops = 780;
  d.gemm.sample_rel_error = 3e-3;
  d.gemm.known_answer_exact = true;
  d.host_copies.bytes = 256ull << 20;
  d.host_copies.h2d_gbps = 54.9;
  d.host_copies.d2h_gbps = 55.3;
  d.host_copies.data_ok = true;
  return d;
}

FakeDevice FakeBackend::h100(int index) {
  FakeDevice d = h200(index);
  d.info.name = "NVIDIA H100 80GB HBM3";
  d.info.pci_device_id = 0x2330;
  d.info.memory_bytes = 81559ull << 20;
  d.bandwidth.copy_gbps = 2950;
  d.bandwidth.triad_gbps = 3000;
  return d;
}

FakeDevice& FakeBackend::use(int device, const char* measurement) {
  m_calls.push_back(fmt::format("{} {}", measurement, device));
  for (FakeDevice& d : m_devices)
    if (d.info.index == device) {
      if (d.throws.contains(measurement))
        throw Error(fmt::format("{} on device {}: out of memory (fake)", measurement, device));
      return d;
    }
  throw Error(fmt::format("fake: no device {}", device));
}

SystemInfo FakeBackend::discover() {
  SystemInfo info;
  if (m_devices.empty()) {
    info.unavailable_reason = m_reason;
    return info;
  }
  info.driver_version = "580.159.04";
  info.cuda_driver_version = "13.0";
  info.runtime_version = "13.0";
  for (const FakeDevice& d : m_devices) info.devices.push_back(d.info);
  return info;
}

Health FakeBackend::health(int device) { return use(device, "health").health; }
MemtestResult FakeBackend::memtest(int device, Level) { return use(device, "memtest").memtest; }
BandwidthResult FakeBackend::bandwidth(int device, Level) { return use(device, "bandwidth").bandwidth; }
FmaResult FakeBackend::fma(int device, Level) { return use(device, "fma").fma; }
GemmResult FakeBackend::gemm(int device, Level) { return use(device, "gemm").gemm; }
HostCopyResult FakeBackend::host_copies(int device, Level) { return use(device, "host_copies").host_copies; }

PeerResult FakeBackend::peer(int from, int to, Level) {
  m_calls.push_back(fmt::format("peer {} {}", from, to));
  auto found = m_peers.find({from, to});
  if (found != m_peers.end()) return found->second;
  PeerResult healthy;
  healthy.access = true;
  healthy.gbps = 390;
  healthy.data_ok = true;
  return healthy;
}

} // namespace gpurun::kernels
