// NVML is opened at run time: on a machine without the driver (CI) every reading is empty and
// says why; on a GPU machine the same calls return the counters. Either way nothing throws.

#include <doctest/doctest.h>

#include "kernels/nvml.hpp"

using namespace gpurun::kernels;

TEST_SUITE("Nvml") {
  TEST_CASE("Without NVML every health reading is empty and carries the reason") {
    const std::string why = nvml::unavailable();
    if (!why.empty()) {
      CHECK(nvml::driver_version().empty());
      Health h = nvml::read_health("0000:18:00.0");
      CHECK(h.unreadable_reason == why);
      CHECK_FALSE(h.ecc_enabled);
      CHECK_FALSE(h.clock_event_reasons);
      CHECK_FALSE(h.pcie_gen);
    } else {
      MESSAGE("NVML is available here: driver " << nvml::driver_version());
      CHECK_FALSE(nvml::driver_version().empty());
    }
  }

  TEST_CASE("An unknown bus id reads nothing instead of failing") {
    Health h = nvml::read_health("0000:ff:1f.7");
    CHECK_FALSE(h.unreadable_reason.empty());
    CHECK_FALSE(h.pcie_width);
    CHECK_FALSE(nvml::pci_device_id("0000:ff:1f.7"));
    CHECK_FALSE(nvml::pci_device_id(""));
  }
}
