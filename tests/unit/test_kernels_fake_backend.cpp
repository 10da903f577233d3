#include <doctest/doctest.h>

#include "core/error.hpp"
#include "kernels/fake_backend.hpp"

using namespace gpurun;
using namespace gpurun::kernels;

TEST_SUITE("FakeBackend") {
  TEST_CASE("Reports its devices, versions and measurements, and records the calls") {
    FakeBackend backend({FakeBackend::h200(0), FakeBackend::h100(1)});
    SystemInfo info = backend.discover();
    CHECK(info.unavailable_reason.empty());
    REQUIRE(info.devices.size() == 2);
    CHECK(info.devices[1].name == "NVIDIA H100 80GB HBM3");
    CHECK(*info.devices[1].pci_device_id == 0x2330);
    CHECK(backend.bandwidth(1, Level::quick).copy_gbps == 2950);
    CHECK(backend.peer(0, 1, Level::quick).data_ok);
    CHECK(backend.calls() == std::vector<std::string>{"bandwidth 1", "peer 0 1"});
  }

  TEST_CASE("A measurement named in `throws` throws Error; so does an unknown device") {
    FakeBackend backend({FakeBackend::h200()});
    backend.device(0).throws = {"memtest"};
    CHECK_THROWS_WITH_AS(backend.memtest(0, Level::quick), "memtest on device 0: out of memory (fake)", Error);
    CHECK_THROWS_AS(backend.fma(3, Level::quick), Error);
  }

  TEST_CASE("Without devices, discover() gives the reason") {
    FakeBackend backend(std::string("no CUDA device found"));
    SystemInfo info = backend.discover();
    CHECK(info.devices.empty());
    CHECK(info.unavailable_reason == "no CUDA device found");
  }
}
