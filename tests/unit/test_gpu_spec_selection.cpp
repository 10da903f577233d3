#include <doctest/doctest.h>

#include "gpu_spec/catalog.hpp"
#include "gpu_spec/selection.hpp"

using namespace gpurun::gpu_spec;

TEST_SUITE("Selection") {
  TEST_CASE("The selection guide: L40S for inference, H100/A100 for training, H200/A100-80GB for memory") {
    CHECK(recommend(Workload::inference).front().type == "L40S");
    auto training = recommend(Workload::training);
    CHECK(training[0].type == "H100");
    CHECK(training[1].type == "A100");
    auto memory = recommend(Workload::memory_bound);
    CHECK(memory[0].type == "H200");
    CHECK(memory[1].type == "A100-80GB");
  }

  TEST_CASE("Every recommendation names a catalog type and gives a reason") {
    for (const std::string& name : workload_names())
      for (const Recommendation& r : recommend(*parse_workload(name))) {
        CHECK(find_type(r.type) != nullptr);
        CHECK_FALSE(r.reason.empty());
      }
    CHECK_FALSE(parse_workload("gaming").has_value());
  }
}
