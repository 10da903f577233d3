#pragma once
// Internal to kernels/: launch wrappers of the CUDA kernels, for the CUDA backend, the self
// tests and the benchmark library. This header includes the CUDA runtime and must never be
// included from outside kernels/.

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace gpurun::kernels::device {

// ---- memory patterns (fills.cu) ----
// Pattern modes. Address patterns derive each 32-bit word from its index in the whole tested
// range, so a write that lands at the wrong address reads back wrong; walking patterns set (or
// clear) bit `param` of every word, so a stuck or coupled bit line shows.
enum class Pattern : int { address = 0, address_inverse = 1, walking_one = 2, walking_zero = 3 };

__host__ __device__ inline std::uint32_t pattern_word(std::uint64_t word, Pattern mode, std::uint32_t param) {
  // A multiplicative mix of the index, so that neighbouring words and far-apart words with the
  // same low bits differ, plus the high half for ranges above 16 GiB.
  std::uint32_t mixed = static_cast<std::uint32_t>(word) * 2654435761u ^ static_cast<std::uint32_t>(word >> 32) ^ param;
  switch (mode) {
  case Pattern::address: return mixed;
  case Pattern::address_inverse: return ~mixed;
  case Pattern::walking_one: return 1u << (param & 31u);
  case Pattern::walking_zero: return ~(1u << (param & 31u));
  }
  return 0;
}

// Fills `words` 32-bit words at `p`, whose first word has index `first_word` in the tested range.
void fill_pattern(std::uint32_t* p, std::size_t words, std::uint64_t first_word, Pattern mode, std::uint32_t param,
                  cudaStream_t stream);
// Adds the number of words that differ from the pattern to *errors and lowers *first_bad to the
// smallest bad index (pass ~0ull initially). Both are device pointers.
void check_pattern(const std::uint32_t* p, std::size_t words, std::uint64_t first_word, Pattern mode,
                   std::uint32_t param, unsigned long long* errors, unsigned long long* first_bad, cudaStream_t stream);

// Uniform random values in [-1, 1) from a counter-based hash of (seed, index): fresh inputs
// without cuRAND, reproducible on the CPU (random_unit()).
__host__ __device__ inline float random_unit(std::uint64_t seed, std::uint64_t i) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (i + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<float>(static_cast<double>(z >> 40) / 8388608.0 - 1.0); // 24 bits
}
void fill_random_f32(float* p, std::size_t n, std::uint64_t seed, cudaStream_t stream);
void fill_random_bf16(void* p, std::size_t n, std::uint64_t seed, cudaStream_t stream);
// Small integers in [-4, 4] from (row, col) for the known-answer GEMM; a row-major rows x cols
// matrix. Products of such matrices with inner size up to 4096 are exact in fp32.
__host__ __device__ inline int known_value(int row, int col, int salt) {
  return ((row * 7 + col * 3 + salt * 5) % 9) - 4;
}
void fill_known_bf16(void* p, int rows, int cols, int salt, cudaStream_t stream);
// Fills n bytes with `byte` repeated (poisoning outputs before a test).
void poison(void* p, std::size_t bytes, cudaStream_t stream);
// For `samples` (row, col) pairs, the float64 dot product of row `row` of the row-major bf16
// m x k matrix a with column `col` of the row-major bf16 k x n matrix b.
void reference_dots(const void* a, const void* b, int n, int k, const int* rows, const int* cols, int samples,
                    double* out, cudaStream_t stream);

// ---- streaming (stream.cu) ----
// Kernel shapes for copy and triad; the benchmark compares them, smoke uses k_default_variant.
enum class Access : int {
  plain = 0,     // ordinary 16-byte loads and stores
  streaming = 1, // evict-first loads and stores (.cs)
};
struct StreamVariant {
  int unroll;        // 16-byte loads in flight per thread
  int threads;       // per block
  int blocks_per_sm; // grid-stride layout: blocks per SM in the one wave
  Access access;
  bool tiled;        // one block per tile of threads x unroll x 16 bytes instead of grid-stride
};
int stream_variant_count();
StreamVariant stream_variant(int variant);
extern const int k_default_variant;
void copy(void* dst, const void* src, std::size_t bytes, int sm_count, int variant, cudaStream_t stream);
// a[i] = b[i] + s * c[i], n floats.
void triad(float* a, const float* b, const float* c, float s, std::size_t n, int sm_count, int variant,
           cudaStream_t stream);

// ---- FP32 FMA (fma.cu) ----
inline constexpr int k_fma_chains = 8;      // independent FMA chains per thread
inline constexpr int k_fma_threads = 512;
inline constexpr int k_fma_blocks_per_sm = 4;
// Each thread runs k_fma_chains chains of 16 x `iterations` steps x = x * a + b, seeded from its
// index, and writes the chains' sum to out[thread]. Each block writes its SM cycles and
// nanoseconds to cycles[block] and ns[block], for the clock the kernel ran at.
void fma(float* out, int blocks, int iterations, float a, float b, unsigned long long* cycles, unsigned long long* ns,
         cudaStream_t stream);

} // namespace gpurun::kernels::device
