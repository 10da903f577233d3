#pragma once
// Internal to kernels/: a bf16 GEMM through cuBLASLt on row-major matrices, D = A x B, as
// torch.matmul computes it, with fp32 accumulation and a bf16 or fp32 output.

#include <cublasLt.h>
#include <cuda_runtime.h>

#include <string>

#include "kernels/cuda_util.hpp"

namespace gpurun::kernels::cuda {

enum class GemmOut { bf16, f32 };

class LtGemm {
public:
  // Plans an m x k times k x n product. Throws Error when cuBLASLt offers no algorithm.
  LtGemm(int m, int n, int k, GemmOut out);
  ~LtGemm();
  LtGemm(const LtGemm&) = delete;
  LtGemm& operator=(const LtGemm&) = delete;

  // a: m x k, b: k x n, d: m x n, all row-major device pointers.
  void run(const void* a, const void* b, void* d, cudaStream_t stream);
  // Times each of up to `candidates` heuristic algorithms on these buffers and keeps the fastest.
  void autotune(const void* a, const void* b, void* d, cudaStream_t stream, int candidates);
  // The median seconds of one product after warm-up.
  double time(const void* a, const void* b, void* d, cudaStream_t stream, int warmups, int repeats);

private:
  int m_m, m_n, m_k;
  cublasLtHandle_t m_handle = nullptr;
  cublasLtMatmulDesc_t m_desc = nullptr;
  cublasLtMatrixLayout_t m_a = nullptr, m_b = nullptr, m_d = nullptr;
  cublasLtMatmulPreference_t m_pref = nullptr;
  cublasLtMatmulHeuristicResult_t m_heuristics[8];
  int m_heuristic_count = 0;
  int m_chosen = 0;
  DeviceBuffer m_workspace;
};

// Multiplies integer-valued bf16 matrices whose exact product fp32 holds and compares every
// element with the product computed in integers on the CPU. False, with the first mismatch in
// `detail`, when any element differs.
bool known_answer_gemm(cudaStream_t stream, std::string& detail);

} // namespace gpurun::kernels::cuda
