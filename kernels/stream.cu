// Memory bandwidth kernels: copy and triad. The register kernels issue `Unroll` independent
// 16-byte loads per thread before the first store, so that enough bytes are in flight per SM to
// cover HBM latency, over a grid of whole waves striding across the data. The bulk copy moves
// whole chunks global -> shared -> global with the copy engine of each SM (cp.async.bulk,
// sm_90), a few chunks deep, so no register or load instruction limits it.

#include "kernels/device_kernels.hpp"

namespace gpurun::kernels::device {
namespace {

template <Access A> __device__ __forceinline__ uint4 load(const uint4* p) {
  if constexpr (A == Access::streaming) return __ldcs(p);
  else if constexpr (A == Access::prefetch) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    uint4 v;
    asm volatile("ld.global.nc.L1::no_allocate.L2::256B.v4.u32 {%0, %1, %2, %3}, [%4];"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "l"(p));
    return v;
#else
    return __ldg(p);
#endif
  } else return *p;
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

__global__ void tail_copy_kernel(unsigned char* dst, const unsigned char* src, unsigned bytes) {
  if (threadIdx.x < bytes) dst[threadIdx.x] = src[threadIdx.x];
}

__device__ __forceinline__ float4 axpy(float4 b, float s, float4 c) {
  return make_float4(fmaf(s, c.x, b.x), fmaf(s, c.y, b.y), fmaf(s, c.z, b.z), fmaf(s, c.w, b.w));
}

template <int Unroll, Access A>
__global__ void triad_kernel(float4* __restrict__ a, const float4* __restrict__ b, const float4* __restrict__ c,
                             float s, std::size_t quads, float* __restrict__ a_tail, const float* __restrict__ b_tail,
                             const float* __restrict__ c_tail, unsigned tail) {
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
  if (blockIdx.x == 0 && threadIdx.x < tail) a_tail[threadIdx.x] = fmaf(s, c_tail[threadIdx.x], b_tail[threadIdx.x]);
}

// ---- bulk copy engine ----
__device__ __forceinline__ unsigned smem_address(const void* p) {
  return static_cast<unsigned>(__cvta_generic_to_shared(p));
}

// One thread per block drives the copy engine: chunk i of this block is global chunk
// blockIdx.x + i * gridDim.x. Loads complete on a per-stage mbarrier; stores are bulk groups,
// and a stage is reloaded only once the store that read it has finished reading.
__global__ void bulk_copy_kernel(unsigned char* __restrict__ dst, const unsigned char* __restrict__ src,
                                 std::size_t chunks, unsigned chunk_bytes, int stages) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  extern __shared__ __align__(128) unsigned char buffer[];
  __shared__ __align__(8) unsigned long long barrier[16];
  if (threadIdx.x != 0) return;
  for (int s = 0; s < stages; ++s)
    asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;" ::"r"(smem_address(&barrier[s])));
  asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");

  const std::size_t mine = chunks > blockIdx.x ? (chunks - blockIdx.x + gridDim.x - 1) / gridDim.x : 0;
  auto issue_load = [&](std::size_t i) {
    const int s = static_cast<int>(i % stages);
    const std::size_t chunk = blockIdx.x + i * gridDim.x;
    const unsigned bar = smem_address(&barrier[s]);
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(bar), "r"(chunk_bytes) : "memory");
    asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];" ::"r"(
                     smem_address(buffer + static_cast<std::size_t>(s) * chunk_bytes)),
                 "l"(src + chunk * chunk_bytes), "r"(chunk_bytes), "r"(bar)
                 : "memory");
  };
  for (std::size_t i = 0; i + 1 < static_cast<std::size_t>(stages) && i < mine; ++i) issue_load(i);
  for (std::size_t i = 0; i < mine; ++i) {
    const int s = static_cast<int>(i % stages);
    const unsigned parity = static_cast<unsigned>((i / stages) & 1);
    const unsigned bar = smem_address(&barrier[s]);
    asm volatile("{\n"
                 ".reg .pred done;\n"
                 "wait_%=:\n"
                 "mbarrier.try_wait.parity.shared::cta.b64 done, [%0], %1;\n"
                 "@!done bra wait_%=;\n"
                 "}" ::"r"(bar),
                 "r"(parity)
                 : "memory");
    const std::size_t chunk = blockIdx.x + i * gridDim.x;
    asm volatile("cp.async.bulk.global.shared::cta.bulk_group [%0], [%1], %2;" ::"l"(dst + chunk * chunk_bytes),
                 "r"(smem_address(buffer + static_cast<std::size_t>(s) * chunk_bytes)), "r"(chunk_bytes)
                 : "memory");
    asm volatile("cp.async.bulk.commit_group;" ::: "memory");
    // The next load goes into the stage that store i-1 read from: wait until only the newest
    // store (i) may still be reading.
    if (i + stages - 1 < mine) {
      asm volatile("cp.async.bulk.wait_group.read 1;" ::: "memory");
      issue_load(i + stages - 1);
    }
  }
  asm volatile("cp.async.bulk.wait_group 0;" ::: "memory");
#endif
}

constexpr StreamVariant k_variants[] = {
    {4, 256, 8, Access::plain},     {4, 256, 8, Access::streaming}, {8, 256, 8, Access::plain},
    {8, 256, 8, Access::streaming}, {2, 512, 4, Access::plain},     {4, 1024, 2, Access::plain},
    {8, 512, 4, Access::streaming}, {16, 128, 8, Access::plain},    {8, 256, 8, Access::prefetch},
    {4, 512, 4, Access::prefetch},  {16, 128, 8, Access::prefetch}, {4, 16, 3, Access::bulk},
    {3, 32, 2, Access::bulk},       {8, 8, 3, Access::bulk},        {6, 16, 2, Access::bulk},
};
constexpr int k_variant_count = sizeof(k_variants) / sizeof(k_variants[0]);

const StreamVariant& pick(int variant) {
  return k_variants[(variant >= 0 && variant < k_variant_count) ? variant : k_default_variant];
}

template <int Unroll, Access A>
void launch_copy(const StreamVariant& v, int sm_count, void* dst, const void* src, std::size_t bytes,
                 cudaStream_t stream) {
  copy_kernel<Unroll, A><<<static_cast<unsigned>(sm_count * v.blocks_per_sm), static_cast<unsigned>(v.threads), 0,
                           stream>>>(static_cast<uint4*>(dst), static_cast<const uint4*>(src), bytes / 16);
}

// Returns the bytes it copied (whole chunks); the caller copies the rest.
std::size_t launch_bulk(const StreamVariant& v, int sm_count, void* dst, const void* src, std::size_t bytes,
                        cudaStream_t stream) {
  const unsigned chunk = static_cast<unsigned>(v.threads) * 1024u;
  const std::size_t chunks = bytes / chunk;
  if (chunks == 0) return 0;
  const int shared = v.unroll * static_cast<int>(chunk);
  cudaFuncSetAttribute(bulk_copy_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, shared);
  bulk_copy_kernel<<<static_cast<unsigned>(sm_count * v.blocks_per_sm), 32, static_cast<std::size_t>(shared),
                     stream>>>(static_cast<unsigned char*>(dst), static_cast<const unsigned char*>(src), chunks, chunk,
                               v.unroll);
  return chunks * chunk;
}

template <int Unroll, Access A>
void launch_triad(const StreamVariant& v, int sm_count, float* a, const float* b, const float* c, float s,
                  std::size_t n, cudaStream_t stream) {
  std::size_t quads = n / 4;
  unsigned tail = static_cast<unsigned>(n % 4);
  std::size_t done = quads * 4;
  triad_kernel<Unroll, A><<<static_cast<unsigned>(sm_count * v.blocks_per_sm), static_cast<unsigned>(v.threads), 0,
                            stream>>>(reinterpret_cast<float4*>(a), reinterpret_cast<const float4*>(b),
                                      reinterpret_cast<const float4*>(c), s, quads, a + done, b + done, c + done,
                                      tail);
}

// The template instance of a variant: every shape in the table is compiled, and no other.
int variant_key(int unroll, Access access) { return unroll * 4 + static_cast<int>(access); }

} // namespace

// Chosen from the benchmark's variant table on an H200 (docs/smoke.md).
const int k_default_variant = 0;

int stream_variant_count() { return k_variant_count; }

StreamVariant stream_variant(int variant) { return pick(variant); }

void copy(void* dst, const void* src, std::size_t bytes, int sm_count, int variant, cudaStream_t stream) {
  const StreamVariant& v = pick(variant);
  std::size_t done = 0;
  switch (v.access == Access::bulk ? -1 : variant_key(v.unroll, v.access)) {
  case -1: done = launch_bulk(v, sm_count, dst, src, bytes, stream); break;
  case 2 * 4 + 0: launch_copy<2, Access::plain>(v, sm_count, dst, src, bytes, stream); break;
  case 4 * 4 + 0: launch_copy<4, Access::plain>(v, sm_count, dst, src, bytes, stream); break;
  case 4 * 4 + 1: launch_copy<4, Access::streaming>(v, sm_count, dst, src, bytes, stream); break;
  case 4 * 4 + 2: launch_copy<4, Access::prefetch>(v, sm_count, dst, src, bytes, stream); break;
  case 8 * 4 + 0: launch_copy<8, Access::plain>(v, sm_count, dst, src, bytes, stream); break;
  case 8 * 4 + 1: launch_copy<8, Access::streaming>(v, sm_count, dst, src, bytes, stream); break;
  case 8 * 4 + 2: launch_copy<8, Access::prefetch>(v, sm_count, dst, src, bytes, stream); break;
  case 16 * 4 + 2: launch_copy<16, Access::prefetch>(v, sm_count, dst, src, bytes, stream); break;
  default: launch_copy<16, Access::plain>(v, sm_count, dst, src, bytes, stream); break;
  }
  if (v.access != Access::bulk) done = bytes / 16 * 16;
  // The bytes past the last whole chunk or quad: a second, small copy on the same stream.
  const std::size_t rest = bytes - done;
  if (rest >= 16) {
    launch_copy<4, Access::plain>(k_variants[0], sm_count, static_cast<unsigned char*>(dst) + done,
                                  static_cast<const unsigned char*>(src) + done, rest, stream);
    done += rest / 16 * 16;
  }
  if (bytes > done)
    tail_copy_kernel<<<1, 32, 0, stream>>>(static_cast<unsigned char*>(dst) + done,
                                           static_cast<const unsigned char*>(src) + done,
                                           static_cast<unsigned>(bytes - done));
}

void triad(float* a, const float* b, const float* c, float s, std::size_t n, int sm_count, int variant,
           cudaStream_t stream) {
  const StreamVariant& v = pick(variant);
  const Access access = v.access == Access::bulk ? Access::prefetch : v.access;
  const int unroll = v.access == Access::bulk ? 4 : v.unroll;
  switch (variant_key(unroll, access)) {
  case 2 * 4 + 0: launch_triad<2, Access::plain>(v, sm_count, a, b, c, s, n, stream); break;
  case 4 * 4 + 0: launch_triad<4, Access::plain>(v, sm_count, a, b, c, s, n, stream); break;
  case 4 * 4 + 1: launch_triad<4, Access::streaming>(v, sm_count, a, b, c, s, n, stream); break;
  case 4 * 4 + 2: launch_triad<4, Access::prefetch>(v, sm_count, a, b, c, s, n, stream); break;
  case 8 * 4 + 0: launch_triad<8, Access::plain>(v, sm_count, a, b, c, s, n, stream); break;
  case 8 * 4 + 1: launch_triad<8, Access::streaming>(v, sm_count, a, b, c, s, n, stream); break;
  case 8 * 4 + 2: launch_triad<8, Access::prefetch>(v, sm_count, a, b, c, s, n, stream); break;
  case 16 * 4 + 2: launch_triad<16, Access::prefetch>(v, sm_count, a, b, c, s, n, stream); break;
  default: launch_triad<16, Access::plain>(v, sm_count, a, b, c, s, n, stream); break;
  }
}

} // namespace gpurun::kernels::device
