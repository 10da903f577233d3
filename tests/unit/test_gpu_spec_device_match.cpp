#include <doctest/doctest.h>

#include "gpu_spec/device_match.hpp"

using namespace gpurun::gpu_spec;

TEST_SUITE("DeviceMatch") {
  TEST_CASE("Driver names map to physical types") {
    CHECK(match_device({"NVIDIA H200", std::nullopt, 140})->name == "H200");
    CHECK(match_device({"NVIDIA H100 80GB HBM3", std::nullopt, 79.6})->name == "H100");
    CHECK(match_device({"Tesla T4", std::nullopt, 15})->name == "T4");
    CHECK(match_device({"NVIDIA A10G", std::nullopt, 22})->name == "A10");
  }

  TEST_CASE("The PCI device id wins over the name") {
    CHECK(match_device({"Some Renamed Board", 0x2335u, 0})->name == "H200");
  }

  TEST_CASE("A100s are told apart by memory when the name is unlisted") {
    CHECK(match_device({"NVIDIA A100-SXM4-80GB", std::nullopt, 79})->name == "A100-80GB");
    CHECK(match_device({"NVIDIA A100 Custom", std::nullopt, 79})->name == "A100-80GB");
    CHECK(match_device({"NVIDIA A100 Custom", std::nullopt, 39})->name == "A100-40GB");
  }

  TEST_CASE("Unknown boards are not matched, and words must match whole") {
    CHECK(match_device({"NVIDIA GeForce RTX 4090", std::nullopt, 24}) == nullptr);
    CHECK(match_device({"NVIDIA H100 SXM5 Engineering Sample", std::nullopt, 80})->name == "H100");
    CHECK(match_device({"NVIDIA L40", std::nullopt, 48}) == nullptr);
  }
}
