// The kernels' correctness tests on a real GPU (selftest.hpp): fresh random inputs from the
// caller's seed, outputs poisoned with NaN bytes before each launch, float64 references on the
// CPU, and relative errors ||out - ref|| / ||ref||.

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <random>

#include "kernels/cuda_util.hpp"
#include "kernels/device_kernels.hpp"
#include "kernels/gemm.hpp"
#include "kernels/selftest.hpp"

namespace gpurun::kernels {
namespace {

using cuda::DeviceBuffer;
using cuda::check;
using cuda::check_launch;

SelfTestResult judge(std::string name, double error, double tolerance, std::string detail = "") {
  // NaN fails: `error <= tolerance` is false for it.
  return {std::move(name), error, tolerance, error <= tolerance, std::move(detail)};
}

struct Accumulator {
  double num = 0, den = 0;
  void add(double got, double ref) {
    num += (got - ref) * (got - ref);
    den += ref * ref;
  }
  double relative() const { return den > 0 ? std::sqrt(num / den) : (num == 0 ? 0 : INFINITY); }
};

template <typename T> std::vector<T> download(const DeviceBuffer& buffer, std::size_t count) {
  std::vector<T> host(count);
  check(cudaMemcpy(host.data(), buffer.get(), count * sizeof(T), cudaMemcpyDeviceToHost), "download");
  return host;
}

double bf16_value(std::uint16_t bits) {
  std::uint32_t wide = std::uint32_t{bits} << 16;
  float f = 0;
  std::memcpy(&f, &wide, 4);
  return f;
}

std::vector<SelfTestResult> test_copy(int sms, std::uint64_t seed) {
  std::vector<SelfTestResult> out;
  const std::size_t bytes = (64ull << 20) + 13; // a tail the 16-byte loop does not cover
  DeviceBuffer src(bytes), dst(bytes);
  device::fill_random_f32(src.get<float>(), bytes / 4, seed, nullptr);
  check(cudaMemset(src.get<unsigned char>() + bytes / 4 * 4, 0x5A, bytes % 4), "tail fill");
  std::vector<unsigned char> want = download<unsigned char>(src, bytes);
  for (int v = 0; v < device::stream_variant_count(); ++v) {
    device::poison(dst.get(), bytes, nullptr);
    device::copy(dst.get(), src.get(), bytes, sms, v, nullptr);
    check_launch("copy");
    std::vector<unsigned char> got = download<unsigned char>(dst, bytes);
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < bytes; ++i) wrong += got[i] != want[i];
    out.push_back(judge(fmt::format("copy_variant_{}", v), static_cast<double>(wrong), 0, "bytes that differ"));
  }
  return out;
}

std::vector<SelfTestResult> test_triad(int sms, std::uint64_t seed) {
  std::vector<SelfTestResult> out;
  const std::size_t n = (16ull << 20) + 3;
  DeviceBuffer a(n * 4), b(n * 4), c(n * 4);
  device::fill_random_f32(b.get<float>(), n, seed, nullptr);
  device::fill_random_f32(c.get<float>(), n, seed + 1, nullptr);
  const float s = device::random_unit(seed, 99) * 3.0f;
  std::vector<float> hb = download<float>(b, n), hc = download<float>(c, n);
  for (int v = 0; v < device::stream_variant_count(); ++v) {
    device::poison(a.get(), a.bytes(), nullptr);
    device::triad(a.get<float>(), b.get<float>(), c.get<float>(), s, n, sms, v, nullptr);
    check_launch("triad");
    std::vector<float> ha = download<float>(a, n);
    Accumulator acc;
    for (std::size_t i = 0; i < n; ++i)
      acc.add(ha[i], static_cast<double>(hb[i]) + static_cast<double>(s) * static_cast<double>(hc[i]));
    out.push_back(judge(fmt::format("triad_variant_{}", v), acc.relative(), 1e-6));
  }
  return out;
}

SelfTestResult test_fma(int sms, std::uint64_t seed) {
  const int blocks = sms * device::k_fma_blocks_per_sm;
  const int iterations = 64;
  const std::size_t threads = static_cast<std::size_t>(blocks) * device::k_fma_threads;
  const float a = 0.99f + 0.005f * device::random_unit(seed, 1), b = 0.01f * device::random_unit(seed, 2);
  DeviceBuffer out(threads * 4), cycles(static_cast<std::size_t>(blocks) * 8), ns(static_cast<std::size_t>(blocks) * 8);
  device::poison(out.get(), out.bytes(), nullptr);
  device::fma(out.get<float>(), blocks, iterations, a, b, cycles.get<unsigned long long>(),
              ns.get<unsigned long long>(), nullptr);
  check_launch("fma");
  std::vector<float> got = download<float>(out, threads);
  std::vector<unsigned long long> c = download<unsigned long long>(cycles, static_cast<std::size_t>(blocks));
  // Threads start from (thread mod 1024): 1024 distinct sums to compute in float64.
  std::vector<double> ref(1024);
  for (int t = 0; t < 1024; ++t) {
    double sum = 0;
    for (int chain = 0; chain < device::k_fma_chains; ++chain) {
      double x = static_cast<double>(static_cast<float>(t) * 1e-3f + static_cast<float>(chain));
      for (int step = 0; step < iterations * 16; ++step) x = x * a + b;
      sum += x;
    }
    ref[static_cast<std::size_t>(t)] = sum;
  }
  Accumulator acc;
  for (std::size_t t = 0; t < threads; ++t) acc.add(got[t], ref[t % 1024]);
  std::size_t unclocked = 0;
  for (unsigned long long cycle : c) unclocked += cycle == 0;
  SelfTestResult r = judge("fma", acc.relative(), 1e-4);
  if (unclocked) {
    r.passed = false;
    r.detail = fmt::format("{} blocks recorded no cycles", unclocked);
  }
  return r;
}

std::vector<SelfTestResult> test_memtest(std::uint64_t seed) {
  std::vector<SelfTestResult> out;
  const std::size_t words = 16ull << 20;
  const std::uint64_t first = 1ull << 33; // a range offset past 32 bits, as in a large card
  DeviceBuffer buffer(words * 4), counters(16);
  auto* errors = counters.get<unsigned long long>();
  const std::uint32_t param = static_cast<std::uint32_t>(seed);
  std::size_t wrong = 0;
  for (auto mode : {device::Pattern::address, device::Pattern::address_inverse, device::Pattern::walking_one,
                    device::Pattern::walking_zero}) {
    device::poison(buffer.get(), buffer.bytes(), nullptr);
    device::fill_pattern(buffer.get<std::uint32_t>(), words, first, mode, param, nullptr);
    check_launch("fill_pattern");
    std::vector<std::uint32_t> got = download<std::uint32_t>(buffer, words);
    for (std::size_t i = 0; i < words; ++i) wrong += got[i] != device::pattern_word(first + i, mode, param);
  }
  out.push_back(judge("memtest_fill_matches_cpu", static_cast<double>(wrong), 0, "words that differ"));

  // A clean range reports nothing; one flipped bit is found, once, at its index.
  device::fill_pattern(buffer.get<std::uint32_t>(), words, first, device::Pattern::address, param, nullptr);
  const unsigned long long init[2] = {0, ~0ull};
  check(cudaMemcpy(errors, init, 16, cudaMemcpyHostToDevice), "reset");
  device::check_pattern(buffer.get<std::uint32_t>(), words, first, device::Pattern::address, param, errors, errors + 1,
                        nullptr);
  check_launch("check_pattern");
  std::vector<unsigned long long> clean = download<unsigned long long>(counters, 2);
  out.push_back(judge("memtest_clean_range", static_cast<double>(clean[0]), 0, "errors reported"));

  std::mt19937_64 pick(seed);
  const std::size_t at = pick() % words;
  std::uint32_t flipped = device::pattern_word(first + at, device::Pattern::address, param) ^ (1u << (pick() % 32));
  check(cudaMemcpy(buffer.get<std::uint32_t>() + at, &flipped, 4, cudaMemcpyHostToDevice), "flip");
  check(cudaMemcpy(errors, init, 16, cudaMemcpyHostToDevice), "reset");
  device::check_pattern(buffer.get<std::uint32_t>(), words, first, device::Pattern::address, param, errors, errors + 1,
                        nullptr);
  check_launch("check_pattern");
  std::vector<unsigned long long> found = download<unsigned long long>(counters, 2);
  bool right = found[0] == 1 && found[1] == first + at;
  SelfTestResult flip = judge("memtest_detects_flip", right ? 0 : 1, 0,
                              fmt::format("flipped word {}: {} errors reported, first at {}", first + at, found[0],
                                          found[1]));
  out.push_back(flip);
  return out;
}

std::vector<SelfTestResult> test_gemm(std::uint64_t seed) {
  std::vector<SelfTestResult> out;
  constexpr int m = 384, n = 520, k = 1032;
  DeviceBuffer a(std::size_t{m} * k * 2), b(std::size_t{k} * n * 2);
  device::fill_random_bf16(a.get(), std::size_t{m} * k, seed, nullptr);
  device::fill_random_bf16(b.get(), std::size_t{k} * n, seed + 7, nullptr);
  check_launch("random fill");
  std::vector<std::uint16_t> ha = download<std::uint16_t>(a, std::size_t{m} * k);
  std::vector<std::uint16_t> hb = download<std::uint16_t>(b, std::size_t{k} * n);
  std::vector<double> av(ha.size()), bv(hb.size()), ref(std::size_t{m} * n, 0.0);
  for (std::size_t i = 0; i < ha.size(); ++i) av[i] = bf16_value(ha[i]);
  for (std::size_t i = 0; i < hb.size(); ++i) bv[i] = bf16_value(hb[i]);
  for (int i = 0; i < m; ++i)
    for (int kk = 0; kk < k; ++kk) {
      double x = av[std::size_t{static_cast<std::size_t>(i)} * k + static_cast<std::size_t>(kk)];
      const double* brow = &bv[static_cast<std::size_t>(kk) * n];
      double* row = &ref[static_cast<std::size_t>(i) * n];
      for (int j = 0; j < n; ++j) row[j] += x * brow[j];
    }

  for (auto [kind, tolerance] : {std::pair{cuda::GemmOut::bf16, 1e-2}, std::pair{cuda::GemmOut::f32, 1e-4}}) {
    const std::size_t width = kind == cuda::GemmOut::bf16 ? 2 : 4;
    DeviceBuffer d(std::size_t{m} * n * width);
    device::poison(d.get(), d.bytes(), nullptr);
    cuda::LtGemm gemm(m, n, k, kind);
    gemm.run(a.get(), b.get(), d.get(), nullptr);
    check(cudaDeviceSynchronize(), "gemm");
    Accumulator acc;
    if (kind == cuda::GemmOut::bf16) {
      std::vector<std::uint16_t> got = download<std::uint16_t>(d, std::size_t{m} * n);
      for (std::size_t i = 0; i < got.size(); ++i) acc.add(bf16_value(got[i]), ref[i]);
    } else {
      std::vector<float> got = download<float>(d, std::size_t{m} * n);
      for (std::size_t i = 0; i < got.size(); ++i) acc.add(got[i], ref[i]);
    }
    out.push_back(judge(kind == cuda::GemmOut::bf16 ? "gemm_random_bf16_out" : "gemm_random_f32_out",
                        acc.relative(), tolerance));
  }

  // The sampled float64 dots that grade the smoke GEMM, against the CPU's.
  constexpr int samples = 64;
  std::vector<int> rows(samples), cols(samples);
  std::mt19937_64 pick(seed);
  for (std::size_t i = 0; i < samples; ++i) {
    rows[i] = static_cast<int>(pick() % m);
    cols[i] = static_cast<int>(pick() % n);
  }
  DeviceBuffer dr(samples * 4), dc(samples * 4), dots(samples * 8);
  check(cudaMemcpy(dr.get(), rows.data(), dr.bytes(), cudaMemcpyHostToDevice), "rows");
  check(cudaMemcpy(dc.get(), cols.data(), dc.bytes(), cudaMemcpyHostToDevice), "cols");
  device::poison(dots.get(), dots.bytes(), nullptr);
  device::reference_dots(a.get(), b.get(), n, k, dr.get<int>(), dc.get<int>(), samples, dots.get<double>(), nullptr);
  check_launch("reference_dots");
  std::vector<double> got = download<double>(dots, samples);
  Accumulator acc;
  for (std::size_t i = 0; i < samples; ++i)
    acc.add(got[i], ref[static_cast<std::size_t>(rows[i]) * n + static_cast<std::size_t>(cols[i])]);
  out.push_back(judge("reference_dots", acc.relative(), 1e-12));

  std::string detail;
  bool exact = cuda::known_answer_gemm(nullptr, detail);
  out.push_back(judge("gemm_known_answer", exact ? 0 : 1, 0, detail));
  return out;
}

} // namespace

std::string self_test_unavailable() {
  int count = 0;
  cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    cudaGetLastError();
    return fmt::format("no CUDA device: {}", cudaGetErrorString(status));
  }
  return count == 0 ? "no CUDA device found" : "";
}

std::vector<SelfTestResult> run_self_tests(int device, std::uint64_t seed) {
  check(cudaSetDevice(device), "cudaSetDevice");
  int sms = 0;
  check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device), "cudaDeviceGetAttribute");
  std::vector<SelfTestResult> out;
  for (auto& r : test_copy(sms, seed)) out.push_back(std::move(r));
  for (auto& r : test_triad(sms, seed + 1)) out.push_back(std::move(r));
  out.push_back(test_fma(sms, seed + 2));
  for (auto& r : test_memtest(seed + 3)) out.push_back(std::move(r));
  for (auto& r : test_gemm(seed + 4)) out.push_back(std::move(r));
  return out;
}

} // namespace gpurun::kernels
