#include <doctest/doctest.h>

#include <cmath>
#include <set>
#include <string>

#include "kernels/thresholds.hpp"

using namespace gpurun::kernels;

TEST_SUITE("Threshold") {
  TEST_CASE("Ratios grade as fail below fail_below, warn below warn_below, pass otherwise") {
    Threshold t{"x", 0.75, 0.5, ""};
    CHECK(grade(0.49, t) == CheckStatus::fail);
    CHECK(grade(0.5, t) == CheckStatus::warn);
    CHECK(grade(0.74, t) == CheckStatus::warn);
    CHECK(grade(0.75, t) == CheckStatus::pass);
    CHECK(grade(1.3, t) == CheckStatus::pass);
  }

  TEST_CASE("A NaN ratio fails instead of passing") {
    CHECK(grade(std::nan(""), Threshold{"x", 0.75, 0.5, ""}) == CheckStatus::fail);
  }

  TEST_CASE("Every rated check has one threshold, warn above fail, both fractions") {
    std::set<std::string> names;
    for (const Threshold& t : thresholds()) {
      INFO(t.check);
      CHECK(names.insert(std::string(t.check)).second);
      CHECK(t.fail_below > 0);
      CHECK(t.warn_below > t.fail_below);
      CHECK(t.warn_below < 1.0);
      CHECK_FALSE(t.why.empty());
    }
    CHECK(names == std::set<std::string>{"memory_size", "bandwidth_copy", "bandwidth_triad", "fp32_fma", "gemm_bf16",
                                         "host_to_device", "device_to_host"});
  }

  TEST_CASE("threshold_for finds rated checks only") {
    REQUIRE(threshold_for("gemm_bf16"));
    CHECK(threshold_for("gemm_bf16")->fail_below == doctest::Approx(0.40));
    CHECK_FALSE(threshold_for("gemm_known_answer"));
  }

  TEST_CASE("worse() orders skip < pass < warn < fail") {
    CHECK(worse(CheckStatus::skip, CheckStatus::pass) == CheckStatus::pass);
    CHECK(worse(CheckStatus::warn, CheckStatus::pass) == CheckStatus::warn);
    CHECK(worse(CheckStatus::warn, CheckStatus::fail) == CheckStatus::fail);
    CHECK(worse(CheckStatus::skip, CheckStatus::skip) == CheckStatus::skip);
    CHECK(status_name(CheckStatus::warn) == "warn");
  }
}
