#pragma once
// Grading the health counters that NVML reports: ECC, row remapping (or page retirement),
// clock-event reasons and the PCIe link. Counters that could not be read give `skip`.

#include <string>
#include <vector>

#include "kernels/backend.hpp"
#include "kernels/smoke.hpp"

namespace gpurun::kernels {

// NVML's clock-event (throttle) reason bits, named as in nvml.h.
namespace clock_event {
inline constexpr std::uint64_t gpu_idle = 0x1;
inline constexpr std::uint64_t applications_clocks_setting = 0x2;
inline constexpr std::uint64_t sw_power_cap = 0x4;
inline constexpr std::uint64_t hw_slowdown = 0x8;
inline constexpr std::uint64_t sync_boost = 0x10;
inline constexpr std::uint64_t sw_thermal_slowdown = 0x20;
inline constexpr std::uint64_t hw_thermal_slowdown = 0x40;
inline constexpr std::uint64_t hw_power_brake_slowdown = 0x80;
inline constexpr std::uint64_t display_clock_setting = 0x100;
} // namespace clock_event

// "sw_power_cap, hw_slowdown"; "none" for 0.
std::string clock_event_names(std::uint64_t reasons);

// The checks ecc, row_remapping, clock_events and pcie_link, in that order.
std::vector<CheckResult> health_checks(const Health& health);

} // namespace gpurun::kernels
