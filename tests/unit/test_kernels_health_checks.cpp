#include <doctest/doctest.h>

#include "kernels/fake_backend.hpp"
#include "kernels/health_checks.hpp"

using namespace gpurun::kernels;

namespace {
const CheckResult& named(const std::vector<CheckResult>& checks, const std::string& name) {
  for (const CheckResult& c : checks)
    if (c.name == name) return c;
  FAIL("no check " << name);
  return checks.front();
}
} // namespace

TEST_SUITE("HealthChecks") {
  TEST_CASE("A healthy H200 passes all four, in order") {
    auto checks = health_checks(FakeBackend::h200().health);
    REQUIRE(checks.size() == 4);
    CHECK(checks[0].name == "ecc");
    CHECK(checks[1].name == "row_remapping");
    CHECK(checks[2].name == "clock_events");
    CHECK(checks[3].name == "pcie_link");
    for (const CheckResult& c : checks) CHECK(c.status == CheckStatus::pass);
    CHECK(checks[2].detail == "active: sw_power_cap");
    CHECK(checks[3].detail == "Gen5 x16 (card and slot allow Gen5 x16)");
    CHECK(*checks[3].value == doctest::Approx(63.015).epsilon(1e-3));
  }

  TEST_CASE("Nothing readable skips every check with the reason") {
    Health h;
    h.unreadable_reason = "NVML is not available (libnvidia-ml.so.1 not found: no NVIDIA driver?)";
    for (const CheckResult& c : health_checks(h)) {
      CHECK(c.status == CheckStatus::skip);
      CHECK(c.detail == h.unreadable_reason);
    }
  }

  TEST_CASE("Uncorrectable ECC errors since the driver loaded fail; only older ones warn") {
    Health h = FakeBackend::h200().health;
    h.ecc_uncorrected_aggregate = 3;
    CHECK(named(health_checks(h), "ecc").status == CheckStatus::warn);
    h.ecc_uncorrected_volatile = 1;
    const CheckResult ecc = named(health_checks(h), "ecc");
    CHECK(ecc.status == CheckStatus::fail);
    CHECK(ecc.detail == "uncorrectable: 1 since the driver loaded, 3 over the card's life");
    h.ecc_enabled = false;
    CHECK(named(health_checks(h), "ecc").detail == "ECC is off: memory errors go undetected");
  }

  TEST_CASE("A failed row remapping fails, a pending one warns") {
    Health h = FakeBackend::h200().health;
    h.remap_pending = true;
    CHECK(named(health_checks(h), "row_remapping").status == CheckStatus::warn);
    h.remap_failed = true;
    CHECK(named(health_checks(h), "row_remapping").status == CheckStatus::fail);
    Health old;
    old.retired_pages_pending = true; // a pre-Ampere card: page retirement only
    CHECK(named(health_checks(old), "row_remapping").status == CheckStatus::warn);
  }

  TEST_CASE("Hardware and thermal slowdowns warn; power capping does not") {
    Health h = FakeBackend::h200().health;
    h.clock_event_reasons = clock_event::sw_power_cap | clock_event::gpu_idle;
    CHECK(named(health_checks(h), "clock_events").status == CheckStatus::pass);
    h.clock_event_reasons = clock_event::hw_thermal_slowdown;
    CHECK(named(health_checks(h), "clock_events").status == CheckStatus::warn);
    CHECK(clock_event_names(0) == "none");
    CHECK(clock_event_names(clock_event::hw_slowdown | clock_event::sync_boost) == "hw_slowdown, sync_boost");
  }

  TEST_CASE("A link narrower than the card allows warns; an idle lower generation does not") {
    Health h = FakeBackend::h200().health;
    h.pcie_gen = 1;
    CHECK(named(health_checks(h), "pcie_link").status == CheckStatus::pass);
    h.pcie_width = 8;
    CHECK(named(health_checks(h), "pcie_link").status == CheckStatus::warn);
  }
}
