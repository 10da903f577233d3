#include <doctest/doctest.h>

#include <set>
#include <string>

#include "core/random.hpp"

using namespace gpurun;

TEST_SUITE("random") {
  TEST_CASE("random_hex gives lower-case hex of twice the bytes asked, different each time") {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
      const std::string hex = core::random_hex(16);
      CHECK(hex.size() == 32);
      CHECK(hex.find_first_not_of("0123456789abcdef") == std::string::npos);
      seen.insert(hex);
    }
    CHECK(seen.size() == 100);
  }

  TEST_CASE("equal_secrets compares whole secrets") {
    CHECK(core::equal_secrets("s3cret-token", "s3cret-token"));
    CHECK_FALSE(core::equal_secrets("s3cret-token", "s3cret-tokem"));
    CHECK_FALSE(core::equal_secrets("s3cret-token", "s3cret-toke"));   // a prefix
    CHECK_FALSE(core::equal_secrets("s3cret-token", "s3cret-token!")); // longer
    CHECK_FALSE(core::equal_secrets("", "x"));
    CHECK(core::equal_secrets("", ""));
    CHECK_FALSE(core::equal_secrets(std::string("a\0b", 3), std::string("a\0c", 3)));
  }
}
