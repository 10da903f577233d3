#pragma once
// An in-memory Backend for tests: devices and their measurements are plain data that a test
// sets, so the grading, the JSON shape and the placement verdict run without a GPU.

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kernels/backend.hpp"

namespace gpurun::kernels {

struct FakeDevice {
  DeviceInfo info;
  Health health;
  MemtestResult memtest;
  BandwidthResult bandwidth;
  FmaResult fma;
  GemmResult gemm;
  HostCopyResult host_copies;
  std::set<std::string> throws; // measurement names ("memtest", "gemm", ...) that throw Error
};

class FakeBackend final : public Backend {
public:
  // No devices; discover() reports `reason`.
  explicit FakeBackend(std::string reason);
  explicit FakeBackend(std::vector<FakeDevice> devices);

  // A healthy H200 as measured on a real one (docs/smoke.md), at CUDA ordinal `index`.
  static FakeDevice h200(int index = 0);
  // A healthy H100 80GB HBM3.
  static FakeDevice h100(int index = 0);

  FakeDevice& device(int index) { return m_devices.at(static_cast<size_t>(index)); }
  void set_peer(int from, int to, PeerResult result) { m_peers[{from, to}] = std::move(result); }
  // Which measurements ran, in order ("gemm 0"), to check what the smoke run asked for.
  const std::vector<std::string>& calls() const { return m_calls; }

  SystemInfo discover() override;
  Health health(int device) override;
  MemtestResult memtest(int device, Level level) override;
  BandwidthResult bandwidth(int device, Level level) override;
  FmaResult fma(int device, Level level) override;
  GemmResult gemm(int device, Level level) override;
  HostCopyResult host_copies(int device, Level level) override;
  PeerResult peer(int from, int to, Level level) override;
  bool parallel_devices() const override { return false; }

private:
  FakeDevice& use(int device, const char* measurement);

  std::string m_reason;
  std::vector<FakeDevice> m_devices;
  std::map<std::pair<int, int>, PeerResult> m_peers;
  std::vector<std::string> m_calls;
};

} // namespace gpurun::kernels
