#include <doctest/doctest.h>

#include "gpu_spec/spellcheck.hpp"

using gpurun::gpu_spec::closest_match;

TEST_SUITE("Spellcheck") {
  TEST_CASE("Close words are suggested, distant ones are not") {
    std::vector<std::string> words = {"command", "gpu", "timeout", "retries"};
    CHECK(closest_match("comand", words) == "command");
    CHECK(closest_match("GPU", words) == "gpu");
    CHECK(closest_match("timout", words) == "timeout");
    CHECK_FALSE(closest_match("xyz", words).has_value());
    CHECK_FALSE(closest_match("", words).has_value());
    CHECK_FALSE(closest_match(std::string(1000, 'a'), words).has_value());
  }
}
