// Memory bandwidth kernels: copy and triad with 16-byte accesses. Each thread issues `Unroll`
// independent loads before its first store, so that enough bytes are in flight per SM to cover
// HBM latency; the grid is a whole number of waves (blocks per SM x SMs) striding over the data.

#include "kernels/device_kernels.hpp"

namespace gpurun::kernels::device {
namespace {

template <bool Hint> __device__ __forceinline__ uint4 load(const uint4* p) {
  if constexpr (Hint) return __ldcs(p);
  else return *p;
}
template <bool Hint> __device__ __forceinline__ void store(uint4* p, uint4 v) {
  if constexpr (Hint) __stcs(p, v);
  else *p = v;
}
template <bool Hint> __device__ __forceinline__ float4 load(const float4* p) {
  if constexpr (Hint) return __ldcs(p);
  else return *p;
}
template <bool Hint> __device__ __forceinline__ void store(float4* p, float4 v) {
  if constexpr (Hint) __stcs(p, v);
  else *p = v;
}

template <int Unroll, bool Hint>
__global__ void copy_kernel(uint4* __restrict__ dst, const uint4* __restrict__ src, std::size_t quads,
                            unsigned char* __restrict__ dst_tail, const unsigned char* __restrict__ src_tail,
                            unsigned tail_bytes) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  for (; i + (Unroll - 1) * stride < quads; i += Unroll * stride) {
    uint4 v[Unroll];
#pragma unroll
    for (int u = 0; u < Unroll; ++u) v[u] = load<Hint>(src + i + u * stride);
#pragma unroll
    for (int u = 0; u < Unroll; ++u) store<Hint>(dst + i + u * stride, v[u]);
  }
  for (; i < quads; i += stride) store<Hint>(dst + i, load<Hint>(src + i));
  if (blockIdx.x == 0 && threadIdx.x < tail_bytes) dst_tail[threadIdx.x] = src_tail[threadIdx.x];
}

__device__ __forceinline__ float4 axpy(float4 b, float s, float4 c) {
  return make_float4(fmaf(s, c.x, b.x), fmaf(s, c.y, b.y), fmaf(s, c.z, b.z), fmaf(s, c.w, b.w));
}

template <int Unroll, bool Hint>
__global__ void triad_kernel(float4* __restrict__ a, const float4* __restrict__ b, const float4* __restrict__ c,
                             float s, std::size_t quads, float* __restrict__ a_tail, const float* __restrict__ b_tail,
                             const float* __restrict__ c_tail, unsigned tail) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  for (; i + (Unroll - 1) * stride < quads; i += Unroll * stride) {
    float4 vb[Unroll], vc[Unroll];
#pragma unroll
    for (int u = 0; u < Unroll; ++u) {
      vb[u] = load<Hint>(b + i + u * stride);
      vc[u] = load<Hint>(c + i + u * stride);
    }
#pragma unroll
    for (int u = 0; u < Unroll; ++u) store<Hint>(a + i + u * stride, axpy(vb[u], s, vc[u]));
  }
  for (; i < quads; i += stride) store<Hint>(a + i, axpy(load<Hint>(b + i), s, load<Hint>(c + i)));
  if (blockIdx.x == 0 && threadIdx.x < tail) a_tail[threadIdx.x] = fmaf(s, c_tail[threadIdx.x], b_tail[threadIdx.x]);
}

constexpr StreamVariant k_variants[] = {
    {4, 256, 8, false}, {4, 256, 8, true},  {8, 256, 8, false}, {8, 256, 8, true},
    {2, 512, 4, false}, {4, 1024, 2, false}, {8, 512, 4, true}, {16, 128, 8, false},
};
constexpr int k_variant_count = sizeof(k_variants) / sizeof(k_variants[0]);

template <int Unroll, bool Hint>
void launch_copy(const StreamVariant& v, int sm_count, void* dst, const void* src, std::size_t bytes,
                 cudaStream_t stream) {
  std::size_t quads = bytes / 16;
  unsigned tail = static_cast<unsigned>(bytes % 16);
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  copy_kernel<Unroll, Hint><<<static_cast<unsigned>(sm_count * v.blocks_per_sm), static_cast<unsigned>(v.threads), 0,
                              stream>>>(static_cast<uint4*>(dst), static_cast<const uint4*>(src), quads,
                                        d + quads * 16, s + quads * 16, tail);
}

template <int Unroll, bool Hint>
void launch_triad(const StreamVariant& v, int sm_count, float* a, const float* b, const float* c, float s,
                  std::size_t n, cudaStream_t stream) {
  std::size_t quads = n / 4;
  unsigned tail = static_cast<unsigned>(n % 4);
  std::size_t done = quads * 4;
  triad_kernel<Unroll, Hint><<<static_cast<unsigned>(sm_count * v.blocks_per_sm), static_cast<unsigned>(v.threads), 0,
                               stream>>>(reinterpret_cast<float4*>(a), reinterpret_cast<const float4*>(b),
                                         reinterpret_cast<const float4*>(c), s, quads, a + done, b + done, c + done,
                                         tail);
}

// The variant's template instance: unroll x hint as one switch, so that every variant in the
// table is compiled and none can be asked for that is not.
int variant_key(const StreamVariant& v) { return v.unroll * 2 + (v.streaming_hint ? 1 : 0); }

const StreamVariant& pick(int variant) {
  return k_variants[(variant >= 0 && variant < k_variant_count) ? variant : k_default_variant];
}

} // namespace

// Chosen from the benchmark's variant table on an H200 (docs/smoke.md).
const int k_default_variant = 0;

int stream_variant_count() { return k_variant_count; }

StreamVariant stream_variant(int variant) { return pick(variant); }

void copy(void* dst, const void* src, std::size_t bytes, int sm_count, int variant, cudaStream_t stream) {
  const StreamVariant& v = pick(variant);
  switch (variant_key(v)) {
  case 4: launch_copy<2, false>(v, sm_count, dst, src, bytes, stream); break;
  case 8: launch_copy<4, false>(v, sm_count, dst, src, bytes, stream); break;
  case 9: launch_copy<4, true>(v, sm_count, dst, src, bytes, stream); break;
  case 16: launch_copy<8, false>(v, sm_count, dst, src, bytes, stream); break;
  case 17: launch_copy<8, true>(v, sm_count, dst, src, bytes, stream); break;
  default: launch_copy<16, false>(v, sm_count, dst, src, bytes, stream); break;
  }
}

void triad(float* a, const float* b, const float* c, float s, std::size_t n, int sm_count, int variant,
           cudaStream_t stream) {
  const StreamVariant& v = pick(variant);
  switch (variant_key(v)) {
  case 4: launch_triad<2, false>(v, sm_count, a, b, c, s, n, stream); break;
  case 8: launch_triad<4, false>(v, sm_count, a, b, c, s, n, stream); break;
  case 9: launch_triad<4, true>(v, sm_count, a, b, c, s, n, stream); break;
  case 16: launch_triad<8, false>(v, sm_count, a, b, c, s, n, stream); break;
  case 17: launch_triad<8, true>(v, sm_count, a, b, c, s, n, stream); break;
  default: launch_triad<16, false>(v, sm_count, a, b, c, s, n, stream); break;
  }
}

} // namespace gpurun::kernels::device
