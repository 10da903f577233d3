// A C interface to the smoke kernels for bench/smoke/bench.py, which loads this library with
// ctypes and runs our kernels and PyTorch's on the same tensors, on PyTorch's stream, timed with
// the same events. Not part of gpurun itself; each function returns a cudaError_t (0 = success)
// or, for the GEMM, -1 when cuBLASLt fails.

#include <cstddef>
#include <cstdint>
#include <exception>

#include "kernels/device_kernels.hpp"
#include "kernels/gemm.hpp"

using namespace gpurun::kernels;

extern "C" {

int gpurun_bench_variant_count() { return device::stream_variant_count(); }
int gpurun_bench_default_variant() { return device::k_default_variant; }

int gpurun_bench_copy(void* dst, const void* src, std::size_t bytes, int sm_count, int variant, void* stream) {
  device::copy(dst, src, bytes, sm_count, variant, static_cast<cudaStream_t>(stream));
  return static_cast<int>(cudaGetLastError());
}

int gpurun_bench_triad(float* a, const float* b, const float* c, float s, std::size_t n, int sm_count, int variant,
                       void* stream) {
  device::triad(a, b, c, s, n, sm_count, variant, static_cast<cudaStream_t>(stream));
  return static_cast<int>(cudaGetLastError());
}

// Plans a row-major bf16 m x k times k x n product with bf16 output; null on failure.
void* gpurun_bench_gemm_plan(int m, int n, int k) {
  try {
    return new cuda::LtGemm(m, n, k, cuda::GemmOut::bf16);
  } catch (const std::exception&) {
    return nullptr;
  }
}

int gpurun_bench_gemm_autotune(void* plan, const void* a, const void* b, void* d, void* stream, int candidates) {
  try {
    static_cast<cuda::LtGemm*>(plan)->autotune(a, b, d, static_cast<cudaStream_t>(stream), candidates);
    return 0;
  } catch (const std::exception&) {
    return -1;
  }
}

int gpurun_bench_gemm_run(void* plan, const void* a, const void* b, void* d, void* stream) {
  try {
    static_cast<cuda::LtGemm*>(plan)->run(a, b, d, static_cast<cudaStream_t>(stream));
    return 0;
  } catch (const std::exception&) {
    return -1;
  }
}

void gpurun_bench_gemm_free(void* plan) { delete static_cast<cuda::LtGemm*>(plan); }

// Launches the FMA kernel once; it writes each block's cycles and nanoseconds (device pointers of
// sm_count x k_fma_blocks_per_sm entries). FLOPs per launch:
// 2 x blocks x threads x iterations x 16 x chains (gpurun_bench_fma_shape gives the constants).
int gpurun_bench_fma(float* out, int sm_count, int iterations, unsigned long long* cycles, unsigned long long* ns,
                     void* stream) {
  device::fma(out, sm_count * device::k_fma_blocks_per_sm, iterations, 0.999f, 0.001f, cycles, ns,
              static_cast<cudaStream_t>(stream));
  return static_cast<int>(cudaGetLastError());
}

int gpurun_bench_fma_shape(int* threads, int* blocks_per_sm, int* chains) {
  *threads = device::k_fma_threads;
  *blocks_per_sm = device::k_fma_blocks_per_sm;
  *chains = device::k_fma_chains;
  return 0;
}

} // extern "C"
