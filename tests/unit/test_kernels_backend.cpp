// The backend of this build (CUDA or none): discovering never throws, and finding no device gives
// a plain reason, whatever the machine.

#include <doctest/doctest.h>

#include "kernels/backend.hpp"

using namespace gpurun::kernels;

TEST_SUITE("SystemBackend") {
  TEST_CASE("discover() returns devices or a reason, and never throws") {
    std::unique_ptr<Backend> backend = make_system_backend();
    SystemInfo info;
    CHECK_NOTHROW(info = backend->discover());
    if (info.devices.empty()) {
      CHECK_FALSE(info.unavailable_reason.empty());
      const bool known = info.unavailable_reason.starts_with("this build has no CUDA support") ||
                         info.unavailable_reason.starts_with("no CUDA device");
      CHECK_MESSAGE(known, info.unavailable_reason);
    } else {
      CHECK(info.unavailable_reason.empty());
      CHECK_FALSE(info.runtime_version.empty());
      for (const DeviceInfo& d : info.devices) CHECK(d.sm_count > 0);
    }
  }
}
