// The backend of a build without CUDA: it has no device to offer and says why, so that
// `gpurun smoke` reports a no-device result instead of failing to build or to start.

#include "core/error.hpp"
#include "kernels/backend.hpp"
#include "kernels/selftest.hpp"

namespace gpurun::kernels {
namespace {

constexpr const char* k_reason = "this build has no CUDA support (it was compiled without a CUDA compiler)";

class NoCudaBackend final : public Backend {
public:
  SystemInfo discover() override {
    SystemInfo info;
    info.unavailable_reason = k_reason;
    return info;
  }
  Health health(int) override { throw unsupported(); }
  MemtestResult memtest(int, Level) override { throw unsupported(); }
  BandwidthResult bandwidth(int, Level) override { throw unsupported(); }
  FmaResult fma(int, Level) override { throw unsupported(); }
  GemmResult gemm(int, Level) override { throw unsupported(); }
  HostCopyResult host_copies(int, Level) override { throw unsupported(); }
  PeerResult peer(int, int, Level) override { throw unsupported(); }

private:
  static Error unsupported() { return Error(k_reason, ErrorKind::no_device); }
};

} // namespace

std::unique_ptr<Backend> make_system_backend() { return std::make_unique<NoCudaBackend>(); }

std::string self_test_unavailable() { return k_reason; }

std::vector<SelfTestResult> run_self_tests(int, std::uint64_t) { throw Error(k_reason, ErrorKind::no_device); }

} // namespace gpurun::kernels
