#include <doctest/doctest.h>

#include "gpu_spec/catalog.hpp"

using namespace gpurun::gpu_spec;

TEST_SUITE("GpuCatalog") {
  TEST_CASE("The catalog holds the seed document's types in order") {
    std::vector<std::string_view> names;
    for (const GpuType& type : catalog()) names.push_back(type.name);
    CHECK(names == std::vector<std::string_view>{"T4", "L4", "A10", "A100", "A100-40GB", "A100-80GB", "L40S",
                                                 "H100", "H200", "B200"});
  }

  TEST_CASE("Seed figures: memory and bandwidth") {
    CHECK(find_type("H200")->memory_gb == 141);
    CHECK(find_type("H100")->memory_gb == 80);
    CHECK(find_type("H200")->bandwidth_gbps == 4800);
    CHECK(find_type("H100")->bandwidth_gbps == 3350);
    CHECK(find_type("L40S")->memory_gb == 48);
    CHECK(find_type("A100-40GB")->memory_gb == 40);
    CHECK(find_type("A100-80GB")->memory_gb == 80);
    // A10: up to 4 GPUs, 96 GB total.
    CHECK(find_type("A10")->max_count * find_type("A10")->memory_gb == 96);
    // B200:8 reaches 1,536 GB.
    CHECK(find_type("B200")->max_count * find_type("B200")->memory_gb == 1536);
  }

  TEST_CASE("Maximum counts: 8, except A10 with 4") {
    for (const GpuType& type : catalog()) CHECK(type.max_count == (type.name == "A10" ? 4 : 8));
  }

  TEST_CASE("Upgrade paths: H100 to H200, A100 to either variant, none elsewhere") {
    CHECK(find_type("H100")->runs_on == std::vector<std::string_view>{"H100", "H200"});
    CHECK(find_type("A100")->runs_on == std::vector<std::string_view>{"A100-40GB", "A100-80GB"});
    for (const GpuType& type : catalog())
      if (type.name != "H100" && type.name != "A100") CHECK_FALSE(type.upgradable());
  }

  TEST_CASE("Every physical type runs on itself; only families do not") {
    for (const GpuType& type : catalog()) {
      REQUIRE_FALSE(type.runs_on.empty());
      if (type.kind == TypeKind::physical) CHECK(type.runs_on.front() == type.name);
      for (std::string_view target : type.runs_on) {
        REQUIRE(find_type(target) != nullptr);
        CHECK(find_type(target)->kind == TypeKind::physical);
      }
    }
  }

  TEST_CASE("Physical types carry the facts smoke checks need") {
    for (const GpuType& type : catalog()) {
      if (type.kind != TypeKind::physical) continue;
      CHECK(!type.device_names.empty());
      CHECK(!type.pci_device_ids.empty());
      CHECK(type.fp32_tflops > 0);
      CHECK(type.bandwidth_gbps > 0);
      CHECK(type.cc_major >= 7);
      REQUIRE(type.price.has_value());
      CHECK(type.price->usd_per_hour > 0);
    }
  }

  TEST_CASE("Lookup ignores case and knows aliases") {
    CHECK(find_type("h200")->name == "H200");
    CHECK(find_type("a10g")->name == "A10");
    CHECK(find_type("H300") == nullptr);
    CHECK(find_type("") == nullptr);
  }
}
