// Fills and checks: memory patterns, random inputs, known-answer matrices, poison, and the
// float64 reference dots that grade sampled GEMM outputs.

#include <cuda_bf16.h>

#include "kernels/device_kernels.hpp"

namespace gpurun::kernels::device {
namespace {

constexpr int k_threads = 256;

unsigned grid_for(std::size_t items) {
  // Enough blocks to fill any current GPU several times over; the kernels loop over the rest.
  std::size_t blocks = (items + k_threads - 1) / k_threads;
  return static_cast<unsigned>(blocks < 65536 ? (blocks == 0 ? 1 : blocks) : 65536);
}

__global__ void fill_pattern_kernel(uint4* p, std::size_t quads, std::uint64_t first_word, Pattern mode,
                                    std::uint32_t param) {
  std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < quads; i += stride) {
    std::uint64_t w = first_word + 4 * i;
    p[i] = make_uint4(pattern_word(w, mode, param), pattern_word(w + 1, mode, param),
                      pattern_word(w + 2, mode, param), pattern_word(w + 3, mode, param));
  }
}

__global__ void check_pattern_kernel(const uint4* p, std::size_t quads, std::uint64_t first_word, Pattern mode,
                                     std::uint32_t param, unsigned long long* errors, unsigned long long* first_bad) {
  std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  unsigned long long bad = 0;
  unsigned long long first = ~0ull;
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < quads; i += stride) {
    uint4 v = p[i];
    std::uint64_t w = first_word + 4 * i;
    std::uint32_t got[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
    for (int j = 0; j < 4; ++j)
      if (got[j] != pattern_word(w + j, mode, param)) {
        ++bad;
        if (first == ~0ull) first = w + j;
      }
  }
  if (bad) {
    atomicAdd(errors, bad);
    atomicMin(first_bad, first);
  }
}

__global__ void fill_random_f32_kernel(float* p, std::size_t n, std::uint64_t seed) {
  std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n; i += stride)
    p[i] = random_unit(seed, i);
}

__global__ void fill_random_bf16_kernel(__nv_bfloat16* p, std::size_t n, std::uint64_t seed) {
  std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n; i += stride)
    p[i] = __float2bfloat16(random_unit(seed, i));
}

__global__ void fill_known_kernel(__nv_bfloat16* p, int rows, int cols, int salt) {
  std::size_t n = static_cast<std::size_t>(rows) * cols;
  std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n; i += stride)
    p[i] = __int2bfloat16_rn(known_value(static_cast<int>(i / cols), static_cast<int>(i % cols), salt));
}

__global__ void reference_dots_kernel(const __nv_bfloat16* a, const __nv_bfloat16* b, int n, int k, const int* rows,
                                      const int* cols, double* out) {
  __shared__ double partial[k_threads];
  int row = rows[blockIdx.x];
  int col = cols[blockIdx.x];
  double sum = 0;
  for (int i = threadIdx.x; i < k; i += blockDim.x)
    sum += static_cast<double>(__bfloat162float(a[static_cast<std::size_t>(row) * k + i])) *
           static_cast<double>(__bfloat162float(b[static_cast<std::size_t>(i) * n + col]));
  partial[threadIdx.x] = sum;
  __syncthreads();
  for (int half = blockDim.x / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) partial[threadIdx.x] += partial[threadIdx.x + half];
    __syncthreads();
  }
  if (threadIdx.x == 0) out[blockIdx.x] = partial[0];
}

} // namespace

void fill_pattern(std::uint32_t* p, std::size_t words, std::uint64_t first_word, Pattern mode, std::uint32_t param,
                  cudaStream_t stream) {
  // Callers pass whole 16-byte quads (allocations are 256-byte aligned, sizes multiples of 16).
  std::size_t quads = words / 4;
  fill_pattern_kernel<<<grid_for(quads), k_threads, 0, stream>>>(reinterpret_cast<uint4*>(p), quads, first_word,
                                                                  mode, param);
}

void check_pattern(const std::uint32_t* p, std::size_t words, std::uint64_t first_word, Pattern mode,
                   std::uint32_t param, unsigned long long* errors, unsigned long long* first_bad,
                   cudaStream_t stream) {
  std::size_t quads = words / 4;
  check_pattern_kernel<<<grid_for(quads), k_threads, 0, stream>>>(reinterpret_cast<const uint4*>(p), quads,
                                                                   first_word, mode, param, errors, first_bad);
}

void fill_random_f32(float* p, std::size_t n, std::uint64_t seed, cudaStream_t stream) {
  fill_random_f32_kernel<<<grid_for(n), k_threads, 0, stream>>>(p, n, seed);
}

void fill_random_bf16(void* p, std::size_t n, std::uint64_t seed, cudaStream_t stream) {
  fill_random_bf16_kernel<<<grid_for(n), k_threads, 0, stream>>>(static_cast<__nv_bfloat16*>(p), n, seed);
}

void fill_known_bf16(void* p, int rows, int cols, int salt, cudaStream_t stream) {
  fill_known_kernel<<<grid_for(static_cast<std::size_t>(rows) * cols), k_threads, 0, stream>>>(
      static_cast<__nv_bfloat16*>(p), rows, cols, salt);
}

void poison(void* p, std::size_t bytes, cudaStream_t stream) {
  // 0xFF bytes are a NaN in float, bf16 and double: an unwritten element can never pass.
  cudaMemsetAsync(p, 0xFF, bytes, stream);
}

void reference_dots(const void* a, const void* b, int n, int k, const int* rows, const int* cols, int samples,
                    double* out, cudaStream_t stream) {
  reference_dots_kernel<<<static_cast<unsigned>(samples), k_threads, 0, stream>>>(
      static_cast<const __nv_bfloat16*>(a), static_cast<const __nv_bfloat16*>(b), n, k, rows, cols, out);
}

} // namespace gpurun::kernels::device
