// The Backend over the CUDA runtime (linked statically, so the binary starts without a driver),
// cuBLASLt and NVML. Each method selects its device first: the smoke run calls them from one
// host thread per device.

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <mutex>
#include <numeric>
#include <random>

#include "kernels/backend.hpp"
#include "kernels/cuda_util.hpp"
#include "kernels/device_kernels.hpp"
#include "kernels/gemm.hpp"
#include "kernels/nvml.hpp"

namespace gpurun::kernels {
namespace {

using cuda::DeviceBuffer;
using cuda::check;
using cuda::check_launch;

constexpr std::size_t k_gib = 1ull << 30;

std::string version_text(int version) { return fmt::format("{}.{}", version / 1000, (version % 1000) / 10); }

// A fresh seed per measurement: the checks must compute the same function on any input.
std::uint64_t fresh_seed() {
  static std::mutex mutex;
  static std::mt19937_64 engine(static_cast<std::uint64_t>(
      std::chrono::high_resolution_clock::now().time_since_epoch().count()));
  std::lock_guard lock(mutex);
  return engine();
}

int sm_count(int device) {
  int count = 0;
  check(cudaDeviceGetAttribute(&count, cudaDevAttrMultiProcessorCount, device), "cudaDeviceGetAttribute");
  return count;
}

std::string bus_id(int device) {
  char buffer[32] = {};
  if (cudaDeviceGetPCIBusId(buffer, sizeof(buffer), device) != cudaSuccess) return "";
  return buffer;
}

// ---- memory pattern test ----
MemtestResult run_memtest(int device, Level level) {
  check(cudaSetDevice(device), "cudaSetDevice");
  std::size_t free_bytes = 0, total = 0;
  check(cudaMemGetInfo(&free_bytes, &total), "cudaMemGetInfo");
  // The thorough level takes all but a small reserve (the context's own allocations may grow);
  // chunks keep a single failed allocation from costing the whole test.
  std::size_t want = level == Level::quick ? std::min<std::size_t>(k_gib, free_bytes / 4)
                                           : free_bytes - std::min<std::size_t>(free_bytes, 192ull << 20);
  std::vector<DeviceBuffer> chunks;
  std::size_t taken = 0, chunk = 2 * k_gib;
  while (taken + (1ull << 20) <= want && chunk >= (16ull << 20)) {
    std::size_t size = std::min(chunk, want - taken) & ~std::size_t{255};
    try {
      chunks.emplace_back(size);
      taken += size;
    } catch (const Error&) {
      chunk /= 2; // fragmented or raced by another process: take smaller pieces
    }
  }
  if (chunks.empty()) throw Error("memory pattern test: could not allocate device memory");

  cuda::Stream stream;
  DeviceBuffer counters(2 * sizeof(unsigned long long));
  auto* errors = counters.get<unsigned long long>();
  std::uint32_t seed = static_cast<std::uint32_t>(fresh_seed());
  struct Pass {
    device::Pattern mode;
    std::uint32_t param;
  };
  std::vector<Pass> passes = {{device::Pattern::address, seed}, {device::Pattern::address_inverse, seed}};
  for (std::uint32_t bit = 0; bit < 32; ++bit) passes.push_back({device::Pattern::walking_one, bit});
  for (std::uint32_t bit = 0; bit < 32; ++bit) passes.push_back({device::Pattern::walking_zero, bit});

  MemtestResult result;
  result.free_bytes = free_bytes;
  result.bytes_tested = taken;
  for (const Pass& pass : passes) {
    const unsigned long long init[2] = {0, ~0ull};
    check(cudaMemcpyAsync(errors, init, sizeof(init), cudaMemcpyHostToDevice, stream.get()), "memtest reset");
    // Write every chunk before reading any, so a write that lands in the wrong chunk shows.
    std::uint64_t word = 0;
    for (const DeviceBuffer& c : chunks) {
      device::fill_pattern(c.get<std::uint32_t>(), c.bytes() / 4, word, pass.mode, pass.param, stream.get());
      word += c.bytes() / 4;
    }
    word = 0;
    for (const DeviceBuffer& c : chunks) {
      device::check_pattern(c.get<std::uint32_t>(), c.bytes() / 4, word, pass.mode, pass.param, errors, errors + 1,
                            stream.get());
      word += c.bytes() / 4;
    }
    check_launch("memtest launch");
    unsigned long long found[2] = {};
    check(cudaMemcpyAsync(found, errors, sizeof(found), cudaMemcpyDeviceToHost, stream.get()), "memtest read");
    stream.sync("memory pattern test");
    ++result.patterns;
    if (found[0] > 0 && result.errors == 0) {
      // Read the first bad word back before the next pattern overwrites it.
      std::uint64_t bad = found[1], offset = 0;
      std::uint32_t actual = 0;
      for (const DeviceBuffer& c : chunks) {
        if (bad < offset + c.bytes() / 4) {
          check(cudaMemcpy(&actual, c.get<std::uint32_t>() + (bad - offset), 4, cudaMemcpyDeviceToHost), "read back");
          break;
        }
        offset += c.bytes() / 4;
      }
      result.first_error = fmt::format("word {} (byte {:#x} of the tested range) read {:#010x}, expected {:#010x}",
                                       bad, bad * 4, actual, device::pattern_word(bad, pass.mode, pass.param));
    }
    result.errors += found[0];
  }
  return result;
}

// ---- bandwidth ----
BandwidthResult run_bandwidth(int device, Level level) {
  check(cudaSetDevice(device), "cudaSetDevice");
  const int sms = sm_count(device);
  const std::size_t bytes = level == Level::quick ? k_gib : 2 * k_gib;
  const int repeats = level == Level::quick ? 10 : 40;
  cuda::Stream stream;
  DeviceBuffer a(bytes), b(bytes), c(bytes);
  std::size_t n = bytes / sizeof(float);
  device::fill_random_f32(b.get<float>(), n, fresh_seed(), stream.get());
  device::fill_random_f32(c.get<float>(), n, fresh_seed(), stream.get());
  check_launch("random fill");
  BandwidthResult result;
  result.buffer_bytes = bytes;
  double copy_s = cuda::median_seconds(stream.get(), 3, repeats, [&] {
    device::copy(a.get(), b.get(), bytes, sms, device::k_default_variant, stream.get());
  });
  double triad_s = cuda::median_seconds(stream.get(), 3, repeats, [&] {
    device::triad(a.get<float>(), b.get<float>(), c.get<float>(), 0.5f, n, sms, device::k_default_variant,
                  stream.get());
  });
  result.copy_gbps = 2.0 * static_cast<double>(bytes) / copy_s / 1e9;
  result.triad_gbps = 3.0 * static_cast<double>(bytes) / triad_s / 1e9;
  return result;
}

// ---- FP32 FMA ----
FmaResult run_fma(int device, Level level) {
  check(cudaSetDevice(device), "cudaSetDevice");
  const int blocks = sm_count(device) * device::k_fma_blocks_per_sm;
  const int iterations = level == Level::quick ? 4096 : 16384;
  const int repeats = level == Level::quick ? 5 : 40;
  cuda::Stream stream;
  DeviceBuffer out(static_cast<std::size_t>(blocks) * device::k_fma_threads * sizeof(float));
  DeviceBuffer cycles(static_cast<std::size_t>(blocks) * sizeof(unsigned long long));
  DeviceBuffer ns(static_cast<std::size_t>(blocks) * sizeof(unsigned long long));
  // a slightly under 1 keeps the chains bounded whatever the iteration count.
  double seconds = cuda::median_seconds(stream.get(), 2, repeats, [&] {
    device::fma(out.get<float>(), blocks, iterations, 0.999f, 0.001f, cycles.get<unsigned long long>(),
                ns.get<unsigned long long>(), stream.get());
  });
  std::vector<unsigned long long> c(static_cast<std::size_t>(blocks)), t(static_cast<std::size_t>(blocks));
  check(cudaMemcpy(c.data(), cycles.get(), cycles.bytes(), cudaMemcpyDeviceToHost), "fma clocks");
  check(cudaMemcpy(t.data(), ns.get(), ns.bytes(), cudaMemcpyDeviceToHost), "fma clocks");
  std::vector<double> mhz;
  for (std::size_t i = 0; i < c.size(); ++i)
    if (t[i] > 0) mhz.push_back(static_cast<double>(c[i]) / static_cast<double>(t[i]) * 1e3);
  std::nth_element(mhz.begin(), mhz.begin() + static_cast<std::ptrdiff_t>(mhz.size() / 2), mhz.end());
  FmaResult result;
  double flops = 2.0 * blocks * device::k_fma_threads * static_cast<double>(iterations) * 16 * device::k_fma_chains;
  result.tflops = flops / seconds / 1e12;
  result.clock_mhz = mhz.empty() ? 0 : mhz[mhz.size() / 2];
  return result;
}

// ---- GEMM ----
GemmResult run_gemm(int device, Level level) {
  check(cudaSetDevice(device), "cudaSetDevice");
  constexpr int size = 8192;
  const int repeats = level == Level::quick ? 10 : 1000;
  cuda::Stream stream;
  GemmResult result;
  result.m = result.n = result.k = size;
  result.known_answer_exact = cuda::known_answer_gemm(stream.get(), result.known_answer_detail);

  const std::size_t elements = std::size_t{size} * size;
  DeviceBuffer a(elements * 2), b(elements * 2), d(elements * 2);
  device::fill_random_bf16(a.get(), elements, fresh_seed(), stream.get());
  device::fill_random_bf16(b.get(), elements, fresh_seed(), stream.get());
  device::poison(d.get(), d.bytes(), stream.get());
  check_launch("random fill");
  cuda::LtGemm gemm(size, size, size, cuda::GemmOut::bf16);
  gemm.autotune(a.get(), b.get(), d.get(), stream.get(), level == Level::quick ? 2 : 4);
  double seconds = gemm.time(a.get(), b.get(), d.get(), stream.get(), 3, repeats);
  result.tflops = 2.0 * size * static_cast<double>(size) * size / seconds / 1e12;

  // Sampled outputs against float64 dots of the same bf16 inputs.
  constexpr int samples = 256;
  std::mt19937 pick(static_cast<unsigned>(fresh_seed()));
  std::vector<int> rows(samples), cols(samples);
  for (int i = 0; i < samples; ++i) {
    rows[static_cast<std::size_t>(i)] = static_cast<int>(pick() % size);
    cols[static_cast<std::size_t>(i)] = static_cast<int>(pick() % size);
  }
  DeviceBuffer dev_rows(samples * sizeof(int)), dev_cols(samples * sizeof(int)), ref(samples * sizeof(double));
  check(cudaMemcpy(dev_rows.get(), rows.data(), dev_rows.bytes(), cudaMemcpyHostToDevice), "sample rows");
  check(cudaMemcpy(dev_cols.get(), cols.data(), dev_cols.bytes(), cudaMemcpyHostToDevice), "sample cols");
  device::reference_dots(a.get(), b.get(), size, size, dev_rows.get<int>(), dev_cols.get<int>(), samples,
                         ref.get<double>(), stream.get());
  check_launch("reference dots");
  std::vector<double> expected(samples);
  check(cudaMemcpyAsync(expected.data(), ref.get(), ref.bytes(), cudaMemcpyDeviceToHost, stream.get()), "ref read");
  std::vector<std::uint16_t> got(samples);
  stream.sync("reference dots");
  for (int i = 0; i < samples; ++i) {
    std::size_t at = std::size_t{static_cast<std::size_t>(rows[static_cast<std::size_t>(i)])} * size +
                     static_cast<std::size_t>(cols[static_cast<std::size_t>(i)]);
    check(cudaMemcpy(&got[static_cast<std::size_t>(i)], d.get<std::uint16_t>() + at, 2, cudaMemcpyDeviceToHost),
          "sample read");
  }
  double num = 0, den = 0;
  for (int i = 0; i < samples; ++i) {
    std::uint32_t bits = std::uint32_t{got[static_cast<std::size_t>(i)]} << 16;
    float value = 0;
    std::memcpy(&value, &bits, 4);
    double diff = value - expected[static_cast<std::size_t>(i)];
    num += diff * diff;
    den += expected[static_cast<std::size_t>(i)] * expected[static_cast<std::size_t>(i)];
  }
  result.sample_rel_error = den > 0 ? std::sqrt(num / den) : INFINITY;
  return result;
}

// ---- host copies ----
HostCopyResult run_host_copies(int device, Level level) {
  check(cudaSetDevice(device), "cudaSetDevice");
  const std::size_t bytes = level == Level::quick ? (256ull << 20) : k_gib;
  const int repeats = level == Level::quick ? 5 : 20;
  cuda::PinnedBuffer src(bytes), back(bytes);
  DeviceBuffer dev(bytes);
  cuda::Stream stream;
  auto* words = src.get<std::uint64_t>();
  std::uint64_t seed = fresh_seed();
  for (std::size_t i = 0; i < bytes / 8; ++i) words[i] = seed + i * 0x9E3779B97F4A7C15ull;
  std::memset(back.get(), 0xFF, bytes);
  HostCopyResult result;
  result.bytes = bytes;
  double h2d = cuda::median_seconds(stream.get(), 1, repeats, [&] {
    check(cudaMemcpyAsync(dev.get(), src.get(), bytes, cudaMemcpyHostToDevice, stream.get()), "host to device");
  });
  double d2h = cuda::median_seconds(stream.get(), 1, repeats, [&] {
    check(cudaMemcpyAsync(back.get(), dev.get(), bytes, cudaMemcpyDeviceToHost, stream.get()), "device to host");
  });
  stream.sync("host copies");
  result.h2d_gbps = static_cast<double>(bytes) / h2d / 1e9;
  result.d2h_gbps = static_cast<double>(bytes) / d2h / 1e9;
  result.data_ok = std::memcmp(src.get(), back.get(), bytes) == 0;
  return result;
}

// ---- peers ----
PeerResult run_peer(int from, int to, Level level) {
  PeerResult result;
  int forward = 0, backward = 0;
  check(cudaDeviceCanAccessPeer(&forward, from, to), "cudaDeviceCanAccessPeer");
  check(cudaDeviceCanAccessPeer(&backward, to, from), "cudaDeviceCanAccessPeer");
  result.access = forward && backward;
  if (result.access) {
    for (auto [self, other] : {std::pair{from, to}, std::pair{to, from}}) {
      check(cudaSetDevice(self), "cudaSetDevice");
      cudaError_t status = cudaDeviceEnablePeerAccess(other, 0);
      if (status == cudaErrorPeerAccessAlreadyEnabled) cudaGetLastError();
      else check(status, "cudaDeviceEnablePeerAccess");
    }
  } else {
    result.detail = fmt::format("device {} {} reach device {}, and {} {} reach {}", from, forward ? "can" : "cannot",
                                to, to, backward ? "can" : "cannot", from);
  }
  const std::size_t bytes = level == Level::quick ? (256ull << 20) : k_gib;
  check(cudaSetDevice(to), "cudaSetDevice");
  DeviceBuffer dst(bytes);
  DeviceBuffer counters(2 * sizeof(unsigned long long));
  check(cudaSetDevice(from), "cudaSetDevice");
  DeviceBuffer src(bytes);
  cuda::Stream stream;
  std::uint32_t seed = static_cast<std::uint32_t>(fresh_seed());
  device::fill_pattern(src.get<std::uint32_t>(), bytes / 4, 0, device::Pattern::address, seed, stream.get());
  check_launch("peer fill");
  double seconds = cuda::median_seconds(stream.get(), 2, level == Level::quick ? 5 : 20, [&] {
    check(cudaMemcpyPeerAsync(dst.get(), to, src.get(), from, bytes, stream.get()), "cudaMemcpyPeerAsync");
  });
  stream.sync("peer copy");
  result.gbps = static_cast<double>(bytes) / seconds / 1e9;

  check(cudaSetDevice(to), "cudaSetDevice");
  cuda::Stream verify;
  const unsigned long long init[2] = {0, ~0ull};
  auto* errors = counters.get<unsigned long long>();
  check(cudaMemcpyAsync(errors, init, sizeof(init), cudaMemcpyHostToDevice, verify.get()), "peer verify");
  device::check_pattern(dst.get<std::uint32_t>(), bytes / 4, 0, device::Pattern::address, seed, errors, errors + 1,
                        verify.get());
  check_launch("peer verify");
  unsigned long long found[2] = {};
  check(cudaMemcpyAsync(found, errors, sizeof(found), cudaMemcpyDeviceToHost, verify.get()), "peer verify");
  verify.sync("peer verify");
  result.data_ok = found[0] == 0;
  if (!result.data_ok) result.detail = fmt::format("{} words arrived wrong, the first at word {}", found[0], found[1]);
  return result;
}

class CudaBackend final : public Backend {
public:
  SystemInfo discover() override {
    SystemInfo info;
    int runtime = 0, driver = 0;
    cudaRuntimeGetVersion(&runtime);
    info.runtime_version = version_text(runtime);
    int count = 0;
    cudaError_t status = cudaGetDeviceCount(&count);
    if (cudaDriverGetVersion(&driver) == cudaSuccess && driver > 0) info.cuda_driver_version = version_text(driver);
    if (status != cudaSuccess || count == 0) {
      cudaGetLastError();
      if (status == cudaErrorInsufficientDriver && driver == 0)
        info.unavailable_reason = "no CUDA device: the NVIDIA driver is not installed";
      else if (status == cudaErrorInsufficientDriver)
        info.unavailable_reason = fmt::format("no CUDA device: the driver supports CUDA {}, this build needs {}",
                                              info.cuda_driver_version, info.runtime_version);
      else if (status == cudaErrorNoDevice || count == 0)
        info.unavailable_reason = "no CUDA device found";
      else
        info.unavailable_reason = fmt::format("no CUDA device: {} ({})", cudaGetErrorString(status),
                                              cudaGetErrorName(status));
      return info;
    }
    info.driver_version = nvml::driver_version();
    for (int i = 0; i < count; ++i) {
      cudaDeviceProp prop{};
      if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) {
        cudaGetLastError();
        continue;
      }
      DeviceInfo d;
      d.index = i;
      d.name = prop.name;
      d.pci_bus_id = bus_id(i);
      d.pci_device_id = nvml::pci_device_id(d.pci_bus_id);
      d.memory_bytes = prop.totalGlobalMem;
      d.sm_count = prop.multiProcessorCount;
      d.cc_major = prop.major;
      d.cc_minor = prop.minor;
      info.devices.push_back(std::move(d));
    }
    return info;
  }

  Health health(int device) override { return nvml::read_health(bus_id(device)); }
  MemtestResult memtest(int device, Level level) override { return run_memtest(device, level); }
  BandwidthResult bandwidth(int device, Level level) override { return run_bandwidth(device, level); }
  FmaResult fma(int device, Level level) override { return run_fma(device, level); }
  GemmResult gemm(int device, Level level) override { return run_gemm(device, level); }
  HostCopyResult host_copies(int device, Level level) override { return run_host_copies(device, level); }
  PeerResult peer(int from, int to, Level level) override { return run_peer(from, to, level); }
};

} // namespace

std::unique_ptr<Backend> make_system_backend() { return std::make_unique<CudaBackend>(); }

} // namespace gpurun::kernels
