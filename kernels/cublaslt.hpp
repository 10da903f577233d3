#pragma once
// Internal to kernels/: cuBLASLt opened with dlopen on first use. The library is over 500 MB;
// linking it made every gpurun command, `gpurun status` included, pay tens of milliseconds of
// relocation at start-up, and made a CUDA build refuse to start where it is missing. Only the
// GEMM checks need it, so only they load it.

#include <cublasLt.h>

namespace gpurun::kernels::cuda {

// The entry points LtGemm uses, typed from cublasLt.h so a signature change fails to compile.
struct LtApi {
  decltype(&cublasLtCreate) create = nullptr;
  decltype(&cublasLtDestroy) destroy = nullptr;
  decltype(&cublasLtGetStatusString) status_string = nullptr;
  decltype(&cublasLtMatmulDescCreate) desc_create = nullptr;
  decltype(&cublasLtMatmulDescDestroy) desc_destroy = nullptr;
  decltype(&cublasLtMatrixLayoutCreate) layout_create = nullptr;
  decltype(&cublasLtMatrixLayoutDestroy) layout_destroy = nullptr;
  decltype(&cublasLtMatmulPreferenceCreate) preference_create = nullptr;
  decltype(&cublasLtMatmulPreferenceDestroy) preference_destroy = nullptr;
  decltype(&cublasLtMatmulPreferenceSetAttribute) preference_set = nullptr;
  decltype(&cublasLtMatmulAlgoGetHeuristic) heuristic = nullptr;
  decltype(&cublasLtMatmul) matmul = nullptr;
};

// The loaded library, opened once: first by its soname on the loader's path, then in the CUDA
// toolkit this build used. Throws Error naming the library when neither opens or a symbol is
// missing.
const LtApi& lt_api();

} // namespace gpurun::kernels::cuda
