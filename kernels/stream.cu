// Memory bandwidth kernels: copy and triad. Each thread issues `Unroll` independent 16-byte loads
// before its first store, so that enough bytes are in flight per SM to cover HBM latency. Two
// layouts: a grid of whole waves striding over the data, and one block per tile of
// threads x Unroll x 16 bytes, where the hardware hands tiles to SMs as they free up (so an SM
// that runs slower, further from its L2 slice, does less of the work).

#include "kernels/device_kernels.hpp"

namespace gpurun::kernels::device {
namespace {

template <Access A> __device__ __forceinline__ uint4 load(const uint4* p) {
  if constexpr (A == Access::streaming) return __ldcs(p);
  else return *p;
}
template <Access A> __device__ __forceinline__ void store(uint4* p, uint4 v) {
  if constexpr (A == Access::streaming) __stcs(p, v);
  else *p = v;
}
template <Access A> __device__ __forceinline__ float4 load(const float4* p) {
  uint4 v = load<A>(reinterpret_cast<const uint4*>(p));
  return make_float4(__uint_as_float(v.x), __uint_as_float(v.y), __uint_as_float(v.z), __uint_as_float(v.w));
}
template <Access A> __device__ __forceinline__ void store(float4* p, float4 v) {
  store<A>(reinterpret_cast<uint4*>(p),
           make_uint4(__float_as_uint(v.x), __float_as_uint(v.y), __float_as_uint(v.z), __float_as_uint(v.w)));
}

template <int Unroll, Access A>
__global__ void copy_kernel(uint4* __restrict__ dst, const uint4* __restrict__ src, std::size_t quads) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  for (; i + (Unroll - 1) * stride < quads; i += Unroll * stride) {
    uint4 v[Unroll];
#pragma unroll
    for (int u = 0; u < Unroll; ++u) v[u] = load<A>(src + i + u * stride);
#pragma unroll
    for (int u = 0; u < Unroll; ++u) store<A>(dst + i + u * stride, v[u]);
  }
  for (; i < quads; i += stride) store<A>(dst + i, load<A>(src + i));
}

template <int Unroll, Access A>
__global__ void copy_tiles_kernel(uint4* __restrict__ dst, const uint4* __restrict__ src, std::size_t quads) {
  const std::size_t base = static_cast<std::size_t>(blockIdx.x) * blockDim.x * Unroll + threadIdx.x;
  if (base + (Unroll - 1) * blockDim.x < quads) {
    uint4 v[Unroll];
#pragma unroll
    for (int u = 0; u < Unroll; ++u) v[u] = load<A>(src + base + u * blockDim.x);
#pragma unroll
    for (int u = 0; u < Unroll; ++u) store<A>(dst + base + u * blockDim.x, v[u]);
  } else {
    for (std::size_t i = base; i < quads; i += blockDim.x) store<A>(dst + i, load<A>(src + i));
  }
}

__global__ void tail_copy_kernel(unsigned char* dst, const unsigned char* src, unsigned bytes) {
  if (threadIdx.x < bytes) dst[threadIdx.x] = src[threadIdx.x];
}

__device__ __forceinline__ float4 axpy(float4 b, float s, float4 c) {
  return make_float4(fmaf(s, c.x, b.x), fmaf(s, c.y, b.y), fmaf(s, c.z, b.z), fmaf(s, c.w, b.w));
}

template <int Unroll, Access A>
__global__ void triad_kernel(float4* __restrict__ a, const float4* __restrict__ b, const float4* __restrict__ c,
                             float s, std::size_t quads) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  for (; i + (Unroll - 1) * stride < quads; i += Unroll * stride) {
    float4 vb[Unroll], vc[Unroll];
#pragma unroll
    for (int u = 0; u < Unroll; ++u) {
      vb[u] = load<A>(b + i + u * stride);
      vc[u] = load<A>(c + i + u * stride);
    }
#pragma unroll
    for (int u = 0; u < Unroll; ++u) store<A>(a + i + u * stride, axpy(vb[u], s, vc[u]));
  }
  for (; i < quads; i += stride) store<A>(a + i, axpy(load<A>(b + i), s, load<A>(c + i)));
}

template <int Unroll, Access A>
__global__ void triad_tiles_kernel(float4* __restrict__ a, const float4* __restrict__ b,
                                   const float4* __restrict__ c, float s, std::size_t quads) {
  const std::size_t base = static_cast<std::size_t>(blockIdx.x) * blockDim.x * Unroll + threadIdx.x;
  if (base + (Unroll - 1) * blockDim.x < quads) {
    float4 vb[Unroll], vc[Unroll];
#pragma unroll
    for (int u = 0; u < Unroll; ++u) {
      vb[u] = load<A>(b + base + u * blockDim.x);
      vc[u] = load<A>(c + base + u * blockDim.x);
    }
#pragma unroll
    for (int u = 0; u < Unroll; ++u) store<A>(a + base + u * blockDim.x, axpy(vb[u], s, vc[u]));
  } else {
    for (std::size_t i = base; i < quads; i += blockDim.x) store<A>(a + i, axpy(load<A>(b + i), s, load<A>(c + i)));
  }
}

__global__ void triad_tail_kernel(float* a, const float* b, const float* c, float s, unsigned n) {
  if (threadIdx.x < n) a[threadIdx.x] = fmaf(s, c[threadIdx.x], b[threadIdx.x]);
}

// Measured against torch on an H200 (docs/smoke.md): one block per 16 KiB tile, two loads per
// thread, came within 2% of cudaMemcpy; the grid-stride layout stayed 8% short whatever its shape.
constexpr StreamVariant k_variants[] = {
    {2, 512, 0, Access::plain, true},     // the default
    {4, 256, 8, Access::plain, false},    // grid-stride, for comparison
    {4, 256, 0, Access::plain, true},     {2, 256, 0, Access::plain, true},  {1, 512, 0, Access::plain, true},
    {1, 1024, 0, Access::plain, true},    {2, 1024, 0, Access::plain, true}, {2, 512, 0, Access::streaming, true},
    {4, 128, 0, Access::plain, true},     {1, 256, 0, Access::plain, true},
};
constexpr int k_variant_count = sizeof(k_variants) / sizeof(k_variants[0]);

const StreamVariant& pick(int variant) {
  return k_variants[(variant >= 0 && variant < k_variant_count) ? variant : k_default_variant];
}

template <int Unroll, Access A>
void launch_copy(const StreamVariant& v, int sm_count, void* dst, const void* src, std::size_t quads,
                 cudaStream_t stream) {
  if (quads == 0) return;
  auto* d = static_cast<uint4*>(dst);
  const auto* s = static_cast<const uint4*>(src);
  if (v.tiled) {
    const std::size_t tile = static_cast<std::size_t>(v.threads) * Unroll;
    copy_tiles_kernel<Unroll, A><<<static_cast<unsigned>((quads + tile - 1) / tile), static_cast<unsigned>(v.threads),
                                   0, stream>>>(d, s, quads);
  } else {
    copy_kernel<Unroll, A><<<static_cast<unsigned>(sm_count * v.blocks_per_sm), static_cast<unsigned>(v.threads), 0,
                             stream>>>(d, s, quads);
  }
}

template <int Unroll, Access A>
void launch_triad(const StreamVariant& v, int sm_count, float* a, const float* b, const float* c, float s,
                  std::size_t quads, cudaStream_t stream) {
  if (quads == 0) return;
  auto* a4 = reinterpret_cast<float4*>(a);
  const auto* b4 = reinterpret_cast<const float4*>(b);
  const auto* c4 = reinterpret_cast<const float4*>(c);
  if (v.tiled) {
    const std::size_t tile = static_cast<std::size_t>(v.threads) * Unroll;
    triad_tiles_kernel<Unroll, A><<<static_cast<unsigned>((quads + tile - 1) / tile),
                                    static_cast<unsigned>(v.threads), 0, stream>>>(a4, b4, c4, s, quads);
  } else {
    triad_kernel<Unroll, A><<<static_cast<unsigned>(sm_count * v.blocks_per_sm), static_cast<unsigned>(v.threads), 0,
                              stream>>>(a4, b4, c4, s, quads);
  }
}

// The template instance of a variant: the unroll x access pairs the table uses are compiled;
// any other pair would run as 2 x plain.
template <typename Launch> void dispatch(const StreamVariant& v, Launch&& launch) {
  using plain = std::integral_constant<Access, Access::plain>;
  using streaming = std::integral_constant<Access, Access::streaming>;
  switch (v.unroll * 2 + (v.access == Access::streaming ? 1 : 0)) {
  case 1 * 2: launch(std::integral_constant<int, 1>{}, plain{}); break;
  case 2 * 2 + 1: launch(std::integral_constant<int, 2>{}, streaming{}); break;
  case 4 * 2: launch(std::integral_constant<int, 4>{}, plain{}); break;
  default: launch(std::integral_constant<int, 2>{}, plain{}); break;
  }
}

} // namespace

// Chosen from the benchmark's variant table on an H200 (docs/smoke.md).
const int k_default_variant = 0;

int stream_variant_count() { return k_variant_count; }

StreamVariant stream_variant(int variant) { return pick(variant); }

void copy(void* dst, const void* src, std::size_t bytes, int sm_count, int variant, cudaStream_t stream) {
  const StreamVariant& v = pick(variant);
  dispatch(v, [&](auto unroll, auto access) {
    launch_copy<decltype(unroll)::value, decltype(access)::value>(v, sm_count, dst, src, bytes / 16, stream);
  });
  // The last bytes of a size that is not a multiple of 16.
  const std::size_t done = bytes / 16 * 16;
  if (bytes > done)
    tail_copy_kernel<<<1, 32, 0, stream>>>(static_cast<unsigned char*>(dst) + done,
                                           static_cast<const unsigned char*>(src) + done,
                                           static_cast<unsigned>(bytes - done));
}

void triad(float* a, const float* b, const float* c, float s, std::size_t n, int sm_count, int variant,
           cudaStream_t stream) {
  const StreamVariant& v = pick(variant);
  dispatch(v, [&](auto unroll, auto access) {
    launch_triad<decltype(unroll)::value, decltype(access)::value>(v, sm_count, a, b, c, s, n / 4, stream);
  });
  const std::size_t done = n / 4 * 4;
  if (n > done) triad_tail_kernel<<<1, 32, 0, stream>>>(a + done, b + done, c + done, s, static_cast<unsigned>(n - done));
}

} // namespace gpurun::kernels::device
