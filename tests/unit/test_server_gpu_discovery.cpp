#include <doctest/doctest.h>

#include "server/gpu_discovery.hpp"

using namespace gpurun::server;

TEST_SUITE("GpuDiscovery") {
  TEST_CASE("nvidia-smi lines become catalog types; unknown devices are noted, not offered") {
    GpuDiscovery found = parse_nvidia_smi("0, NVIDIA H200, 143771, 0x233510DE\n"
                                          "1, NVIDIA A100-SXM4-80GB, 81920, 0x20B210DE\n"
                                          "2, Quadro K600, 1024, 0x0FFA10DE\n");
    REQUIRE(found.gpus.size() == 2);
    CHECK(found.gpus[0].index == 0);
    CHECK(found.gpus[0].type == "H200");
    CHECK(found.gpus[1].type == "A100-80GB");
    REQUIRE(found.notes.size() == 1);
    CHECK(found.notes[0] == "GPU 2 (Quadro K600) is not in the catalog; it is not offered");
  }
}
