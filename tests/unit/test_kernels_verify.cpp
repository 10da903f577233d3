#include <doctest/doctest.h>

#include "core/error.hpp"
#include "kernels/fake_backend.hpp"
#include "kernels/verify.hpp"
#include "spec_helpers.hpp"

using namespace gpurun;
using namespace gpurun::kernels;
using gpurun::testing::chain;

TEST_SUITE("VerifyPlacement") {
  TEST_CASE("GPUs that serve the first entry pass, exact") {
    FakeBackend backend({FakeBackend::h200(0), FakeBackend::h200(1)});
    PlacementVerdict v = verify_placement(backend, {0, 1}, chain({"H200:2"}));
    CHECK(v.pass);
    CHECK(*v.chain_entry == 0);
    CHECK(*v.fit == gpu_spec::Fit::exact);
    CHECK(v.reasons.empty());
    CHECK(v.report.level == Level::quick);
  }

  TEST_CASE("An H100 request served by an H200 passes as an upgrade; a later entry can match") {
    FakeBackend backend({FakeBackend::h200()});
    PlacementVerdict upgrade = verify_placement(backend, {0}, chain({"H100"}));
    CHECK(upgrade.pass);
    CHECK(*upgrade.fit == gpu_spec::Fit::upgrade);
    PlacementVerdict fallback = verify_placement(backend, {0}, chain({"B200", "H200"}));
    CHECK(fallback.pass);
    CHECK(*fallback.chain_entry == 1);
  }

  TEST_CASE("A forbidden upgrade, a wrong type and too few GPUs fail with reasons") {
    FakeBackend backend({FakeBackend::h200()});
    PlacementVerdict v = verify_placement(backend, {0}, chain({"H100!", "A100", "H200:2"}));
    CHECK_FALSE(v.pass);
    CHECK_FALSE(v.chain_entry);
    REQUIRE(v.reasons.size() == 1);
    CHECK(v.reasons[0] ==
          "the GPUs are not what [H100!, A100, H200:2] allows: H100!: device 0 is H200, an upgrade that '!' forbids; "
          "A100: device 0 is H200; H200:2: needs 2 GPUs, got 1");
  }

  TEST_CASE("The right type that fails a check does not pass") {
    FakeBackend backend({FakeBackend::h200()});
    backend.device(0).memtest.errors = 1;
    backend.device(0).memtest.first_error = "word 3";
    PlacementVerdict v = verify_placement(backend, {0}, chain({"H200"}));
    CHECK_FALSE(v.pass);
    CHECK(*v.chain_entry == 0);
    REQUIRE(v.reasons.size() == 1);
    CHECK(v.reasons[0].starts_with("device 0: memory_pattern fail: 66 patterns"));
  }

  TEST_CASE("Warnings pass but are reported") {
    FakeBackend backend({FakeBackend::h100()});
    backend.device(0).health.clock_event_reasons = 0x40; // hw_thermal_slowdown
    PlacementVerdict v = verify_placement(backend, {0}, chain({"H100!"}));
    CHECK(v.pass);
    REQUIRE(v.reasons.size() == 1);
    CHECK(v.reasons[0] == "device 0: clock_events warn: active: hw_thermal_slowdown");
  }

  TEST_CASE("No device fails with the reason; an empty chain is invalid") {
    FakeBackend none(std::string("no CUDA device found"));
    PlacementVerdict v = verify_placement(none, {}, chain({"H100"}));
    CHECK_FALSE(v.pass);
    CHECK(v.reasons == std::vector<std::string>{"no CUDA device found"});
    CHECK_THROWS_AS(verify_placement(none, {}, {}), Error);
  }
}
