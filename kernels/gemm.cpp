#include "kernels/gemm.hpp"

#include <fmt/format.h>

#include <vector>

#include "kernels/cublaslt.hpp"
#include "kernels/device_kernels.hpp"

namespace gpurun::kernels::cuda {
namespace {

// cuBLAS's own recommendation for Hopper; PyTorch gives cuBLASLt the same.
constexpr std::size_t k_workspace_bytes = 32u << 20;

void check_lt(cublasStatus_t status, const char* what) {
  if (status != CUBLAS_STATUS_SUCCESS)
    throw Error(fmt::format("{}: cuBLASLt status {} ({})", what, static_cast<int>(status),
                            lt_api().status_string(status)));
}

} // namespace

LtGemm::LtGemm(int m, int n, int k, GemmOut out) : m_m(m), m_n(n), m_k(k), m_workspace(k_workspace_bytes) {
  const LtApi& lt = lt_api();
  check_lt(lt.create(&m_handle), "cublasLtCreate");
  check_lt(lt.desc_create(&m_desc, CUBLAS_COMPUTE_32F, CUDA_R_32F), "cublasLtMatmulDescCreate");
  // cuBLASLt is column-major: a row-major m x n D is a column-major n x m D^T = B^T A^T, where the
  // row-major buffers of B and A already are the column-major B^T (n x k) and A^T (k x m).
  cudaDataType_t d_type = out == GemmOut::bf16 ? CUDA_R_16BF : CUDA_R_32F;
  check_lt(lt.layout_create(&m_a, CUDA_R_16BF, static_cast<std::uint64_t>(n), static_cast<std::uint64_t>(k), n),
           "layout B^T");
  check_lt(lt.layout_create(&m_b, CUDA_R_16BF, static_cast<std::uint64_t>(k), static_cast<std::uint64_t>(m), k),
           "layout A^T");
  check_lt(lt.layout_create(&m_d, d_type, static_cast<std::uint64_t>(n), static_cast<std::uint64_t>(m), n),
           "layout D^T");
  check_lt(lt.preference_create(&m_pref), "cublasLtMatmulPreferenceCreate");
  std::size_t workspace = k_workspace_bytes;
  check_lt(lt.preference_set(m_pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace,
                                                sizeof(workspace)),
           "workspace preference");
  check_lt(lt.heuristic(m_handle, m_desc, m_a, m_b, m_d, m_d, m_pref, 8, m_heuristics,
                                          &m_heuristic_count),
           "cublasLtMatmulAlgoGetHeuristic");
  if (m_heuristic_count == 0)
    throw Error(fmt::format("cuBLASLt has no bf16 algorithm for {}x{}x{} on this device", m, n, k));
}

LtGemm::~LtGemm() {
  if (!m_handle) return; // the library never opened
  const LtApi& lt = lt_api();
  if (m_pref) lt.preference_destroy(m_pref);
  if (m_d) lt.layout_destroy(m_d);
  if (m_b) lt.layout_destroy(m_b);
  if (m_a) lt.layout_destroy(m_a);
  if (m_desc) lt.desc_destroy(m_desc);
  if (m_handle) lt.destroy(m_handle);
}

void LtGemm::run(const void* a, const void* b, void* d, cudaStream_t stream) {
  const float alpha = 1.0f, beta = 0.0f;
  check_lt(lt_api().matmul(m_handle, m_desc, &alpha, b, m_a, a, m_b, &beta, d, m_d, d, m_d,
                          &m_heuristics[m_chosen].algo, m_workspace.get(), m_workspace.bytes(), stream),
           "cublasLtMatmul");
}

void LtGemm::autotune(const void* a, const void* b, void* d, cudaStream_t stream, int candidates) {
  double best = 0;
  int best_index = 0;
  int count = std::min(candidates, m_heuristic_count);
  for (int i = 0; i < count; ++i) {
    m_chosen = i;
    double t = 0;
    try {
      t = time(a, b, d, stream, 1, 3);
    } catch (const Error&) {
      continue; // an algorithm the heuristic offered but that fails to run is simply not chosen
    }
    if (best == 0 || t < best) {
      best = t;
      best_index = i;
    }
  }
  m_chosen = best_index;
}

double LtGemm::time(const void* a, const void* b, void* d, cudaStream_t stream, int warmups, int repeats) {
  return median_seconds(stream, warmups, repeats, [&] { run(a, b, d, stream); });
}

// The known-answer product: integer-valued bf16 matrices whose exact product fp32 holds, computed
// here in integers; shapes are not multiples of the tile sizes, and not square, so that a
// transposed or truncated result differs.
bool known_answer_gemm(cudaStream_t stream, std::string& detail) {
  constexpr int m = 200, n = 328, k = 520;
  DeviceBuffer a(std::size_t{m} * k * 2), b(std::size_t{k} * n * 2), d(std::size_t{m} * n * 4);
  device::fill_known_bf16(a.get(), m, k, 1, stream);
  device::fill_known_bf16(b.get(), k, n, 2, stream);
  device::poison(d.get(), d.bytes(), stream);
  check_launch("known-answer fill");
  LtGemm gemm(m, n, k, GemmOut::f32);
  gemm.run(a.get(), b.get(), d.get(), stream);
  std::vector<float> got(std::size_t{m} * n);
  check(cudaMemcpyAsync(got.data(), d.get(), d.bytes(), cudaMemcpyDeviceToHost, stream), "known-answer read");
  check(cudaStreamSynchronize(stream), "known-answer GEMM");
  std::vector<int> bt(std::size_t{k} * n);
  for (int kk = 0; kk < k; ++kk)
    for (int j = 0; j < n; ++j) bt[static_cast<std::size_t>(kk) * n + j] = device::known_value(kk, j, 2);
  std::vector<long long> row(n);
  for (int i = 0; i < m; ++i) {
    std::fill(row.begin(), row.end(), 0);
    for (int kk = 0; kk < k; ++kk) {
      long long av = device::known_value(i, kk, 1);
      const int* brow = &bt[static_cast<std::size_t>(kk) * n];
      for (int j = 0; j < n; ++j) row[j] += av * brow[j];
    }
    for (int j = 0; j < n; ++j)
      if (got[static_cast<std::size_t>(i) * n + j] != static_cast<float>(row[j])) {
        detail = fmt::format("known-answer GEMM {}x{}x{}: D[{}][{}] is {}, the exact product is {}", m, n, k, i, j,
                             got[static_cast<std::size_t>(i) * n + j], row[j]);
        return false;
      }
  }
  return true;
}

} // namespace gpurun::kernels::cuda
