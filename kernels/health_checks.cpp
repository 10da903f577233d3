#include "kernels/health_checks.hpp"

#include <fmt/format.h>

#include <array>
#include <utility>

namespace gpurun::kernels {
namespace {

CheckResult start(std::string name, const Health& health, bool readable, std::string_view what) {
  CheckResult check;
  check.name = std::move(name);
  check.status = CheckStatus::pass;
  if (!readable) {
    check.status = CheckStatus::skip;
    check.detail = health.unreadable_reason.empty() ? fmt::format("{} not readable on this device", what)
                                                    : health.unreadable_reason;
  }
  return check;
}

CheckResult ecc(const Health& h) {
  CheckResult check = start("ecc", h, h.ecc_enabled.has_value() || h.ecc_uncorrected_volatile.has_value(),
                            "ECC counters");
  check.unit = "errors";
  if (check.status == CheckStatus::skip) return check;
  if (h.ecc_enabled && !*h.ecc_enabled) {
    check.status = CheckStatus::warn;
    check.detail = "ECC is off: memory errors go undetected";
    return check;
  }
  std::uint64_t volatile_count = h.ecc_uncorrected_volatile.value_or(0);
  check.value = static_cast<double>(volatile_count);
  check.detail = fmt::format("uncorrectable: {} since the driver loaded", volatile_count);
  if (h.ecc_uncorrected_aggregate)
    check.detail += fmt::format(", {} over the card's life", *h.ecc_uncorrected_aggregate);
  if (volatile_count > 0) check.status = CheckStatus::fail;
  else if (h.ecc_uncorrected_aggregate.value_or(0) > 0) check.status = CheckStatus::warn;
  return check;
}

CheckResult remapping(const Health& h) {
  bool rows = h.remap_pending.has_value() || h.remap_failed.has_value();
  CheckResult check = start("row_remapping", h, rows || h.retired_pages_pending.has_value(),
                            "row remapping and page retirement");
  if (check.status == CheckStatus::skip) return check;
  std::vector<std::string> parts;
  if (h.remapped_rows_uncorrectable) {
    check.value = *h.remapped_rows_uncorrectable;
    check.unit = "rows";
    parts.push_back(fmt::format("{} rows remapped for uncorrectable errors", *h.remapped_rows_uncorrectable));
  }
  if (h.remap_failed.value_or(false)) {
    check.status = CheckStatus::fail;
    parts.emplace_back("a row remapping failed: the card needs service");
  }
  if (h.remap_pending.value_or(false)) {
    check.status = worse(check.status, CheckStatus::warn);
    parts.emplace_back("a remapping is pending until the GPU is reset");
  }
  if (h.retired_pages_pending.value_or(false)) {
    check.status = worse(check.status, CheckStatus::warn);
    parts.emplace_back("retired pages are pending until the GPU is reset");
  }
  if (parts.empty()) parts.emplace_back("nothing pending");
  check.detail = fmt::format("{}", fmt::join(parts, "; "));
  return check;
}

CheckResult clock_events(const Health& h) {
  CheckResult check = start("clock_events", h, h.clock_event_reasons.has_value(), "clock-event reasons");
  if (check.status == CheckStatus::skip) return check;
  std::uint64_t reasons = *h.clock_event_reasons;
  check.detail = "active: " + clock_event_names(reasons);
  // Power capping under a heavy load is normal operation; hardware slowdowns and thermal limits
  // mean the card cannot hold its clocks.
  constexpr std::uint64_t k_bad = clock_event::hw_slowdown | clock_event::sw_thermal_slowdown |
                                  clock_event::hw_thermal_slowdown | clock_event::hw_power_brake_slowdown;
  if (reasons & k_bad) check.status = CheckStatus::warn;
  return check;
}

CheckResult pcie(const Health& h) {
  CheckResult check = start("pcie_link", h, h.pcie_gen.has_value() && h.pcie_width.has_value(), "PCIe link");
  if (check.status == CheckStatus::skip) return check;
  check.detail = fmt::format("Gen{} x{}", *h.pcie_gen, *h.pcie_width);
  if (h.pcie_max_gen && h.pcie_max_width)
    check.detail += fmt::format(" (card and slot allow Gen{} x{})", *h.pcie_max_gen, *h.pcie_max_width);
  int gen = h.pcie_max_gen.value_or(*h.pcie_gen);
  if (auto gbps = pcie_link_gbps(gen, *h.pcie_width)) {
    check.value = *gbps;
    check.unit = "GB/s";
  }
  // An idle card lowers its link generation to save power, so only a narrower link is a fault.
  if (h.pcie_max_width && *h.pcie_width < *h.pcie_max_width) {
    check.status = CheckStatus::warn;
    check.detail += ": the link trained narrower than it can";
  }
  return check;
}

} // namespace

std::string clock_event_names(std::uint64_t reasons) {
  static constexpr std::array<std::pair<std::uint64_t, std::string_view>, 9> k_names = {{
      {clock_event::gpu_idle, "gpu_idle"},
      {clock_event::applications_clocks_setting, "applications_clocks_setting"},
      {clock_event::sw_power_cap, "sw_power_cap"},
      {clock_event::hw_slowdown, "hw_slowdown"},
      {clock_event::sync_boost, "sync_boost"},
      {clock_event::sw_thermal_slowdown, "sw_thermal_slowdown"},
      {clock_event::hw_thermal_slowdown, "hw_thermal_slowdown"},
      {clock_event::hw_power_brake_slowdown, "hw_power_brake_slowdown"},
      {clock_event::display_clock_setting, "display_clock_setting"},
  }};
  std::vector<std::string_view> names;
  for (const auto& [bit, name] : k_names)
    if (reasons & bit) names.push_back(name);
  if (names.empty()) return "none";
  return fmt::format("{}", fmt::join(names, ", "));
}

std::vector<CheckResult> health_checks(const Health& health) {
  return {ecc(health), remapping(health), clock_events(health), pcie(health)};
}

} // namespace gpurun::kernels
