// The FP32 FMA rate: independent dependency chains per thread, so that every scheduler has an
// FMA ready each cycle. The kernel also reads the SM cycle counter and the global nanosecond
// timer, which gives the clock it actually ran at (boost clocks move with power and heat).

#include "kernels/device_kernels.hpp"

namespace gpurun::kernels::device {
namespace {

__global__ void __launch_bounds__(k_fma_threads, k_fma_blocks_per_sm) fma_kernel(float* out, int iterations, float a, float b,
                                                            unsigned long long* cycles, unsigned long long* ns) {
  const unsigned thread = blockIdx.x * blockDim.x + threadIdx.x;
  float x[k_fma_chains];
#pragma unroll
  for (int c = 0; c < k_fma_chains; ++c) x[c] = static_cast<float>(thread % 1024u) * 1e-3f + static_cast<float>(c);
  __syncthreads();
  unsigned long long t0, c0 = clock64();
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t0));
  for (int i = 0; i < iterations; ++i) {
    // Sixteen steps per trip keep the loop's own instructions out of the issue slots.
#pragma unroll
    for (int step = 0; step < 16; ++step)
#pragma unroll
      for (int c = 0; c < k_fma_chains; ++c) x[c] = fmaf(x[c], a, b);
  }
  __syncthreads();
  unsigned long long t1, c1 = clock64();
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t1));
  float sum = 0;
#pragma unroll
  for (int c = 0; c < k_fma_chains; ++c) sum += x[c];
  out[thread] = sum;
  if (threadIdx.x == 0) {
    cycles[blockIdx.x] = c1 - c0;
    ns[blockIdx.x] = t1 - t0;
  }
}

} // namespace

void fma(float* out, int blocks, int iterations, float a, float b, unsigned long long* cycles, unsigned long long* ns,
         cudaStream_t stream) {
  fma_kernel<<<static_cast<unsigned>(blocks), k_fma_threads, 0, stream>>>(out, iterations, a, b, cycles, ns);
}

} // namespace gpurun::kernels::device
