#include "kernels/cublaslt.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

#include <mutex>
#include <string>

#include "core/error.hpp"

namespace gpurun::kernels::cuda {
namespace {

// The major version this build was compiled against: its ABI is the one LtApi's types describe.
const std::string k_soname = fmt::format("libcublasLt.so.{}", CUBLAS_VER_MAJOR);

template <typename F> bool bind(void* library, F& slot, const char* name) {
  slot = reinterpret_cast<F>(dlsym(library, name));
  return slot != nullptr;
}

void* open_library(std::string& error) {
  if (void* library = dlopen(k_soname.c_str(), RTLD_NOW | RTLD_LOCAL)) return library;
  error = dlerror();
#ifdef GPURUN_CUDA_LIBRARY_DIR
  const std::string beside_toolkit = std::string(GPURUN_CUDA_LIBRARY_DIR) + "/" + k_soname;
  if (void* library = dlopen(beside_toolkit.c_str(), RTLD_NOW | RTLD_LOCAL)) return library;
#endif
  return nullptr;
}

} // namespace

const LtApi& lt_api() {
  static LtApi loaded;
  static std::string failure;
  static std::once_flag once;
  std::call_once(once, [] {
    std::string error;
    void* library = open_library(error);
    if (!library) {
      failure = fmt::format("cuBLASLt is not available ({}); install the CUDA toolkit's cuBLAS "
                            "or add its folder to LD_LIBRARY_PATH",
                            error);
      return;
    }
    LtApi& a = loaded;
    const char* missing = nullptr;
    auto need = [&](auto& slot, const char* name) {
      if (!bind(library, slot, name) && !missing) missing = name;
    };
    need(a.create, "cublasLtCreate");
    need(a.destroy, "cublasLtDestroy");
    need(a.status_string, "cublasLtGetStatusString");
    need(a.desc_create, "cublasLtMatmulDescCreate");
    need(a.desc_destroy, "cublasLtMatmulDescDestroy");
    need(a.layout_create, "cublasLtMatrixLayoutCreate");
    need(a.layout_destroy, "cublasLtMatrixLayoutDestroy");
    need(a.preference_create, "cublasLtMatmulPreferenceCreate");
    need(a.preference_destroy, "cublasLtMatmulPreferenceDestroy");
    need(a.preference_set, "cublasLtMatmulPreferenceSetAttribute");
    need(a.heuristic, "cublasLtMatmulAlgoGetHeuristic");
    need(a.matmul, "cublasLtMatmul");
    if (missing) failure = fmt::format("{} has no symbol {}: not the cuBLASLt this build expects", k_soname, missing);
  });
  if (!failure.empty()) throw Error(failure);
  return loaded;
}

} // namespace gpurun::kernels::cuda
