// The smoke kernels against float64 CPU references, on a real GPU. Where none can be used (CI,
// a build without CUDA) the test says why and skips.

#include <doctest/doctest.h>

#include <random>

#include "kernels/selftest.hpp"

using namespace gpurun::kernels;

TEST_SUITE("SelfTest") {
  TEST_CASE("Every smoke kernel matches its float64 reference on fresh random inputs") {
    const std::string why = self_test_unavailable();
    if (!why.empty()) {
      MESSAGE("skipped: " << why);
      return;
    }
    // A fresh seed each run, printed so that a failure can be replayed.
    const std::uint64_t seed = std::random_device{}() * 0x9E3779B97F4A7C15ull + 1;
    MESSAGE("seed " << seed);
    std::vector<SelfTestResult> results = run_self_tests(0, seed);
    CHECK(results.size() >= 20);
    for (const SelfTestResult& r : results) {
      INFO(r.name << ": error " << r.error << " (tolerance " << r.tolerance << ") " << r.detail);
      CHECK(r.passed);
    }
  }
}
