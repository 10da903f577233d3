#include <doctest/doctest.h>

#include "server/slurm/gres.hpp"

using namespace gpurun::server::slurm;

TEST_SUITE("Gres") {
  TEST_CASE("A typed node GRES gives its type and count") {
    auto gres = parse_gres("gpu:h100:8");
    REQUIRE(gres.size() == 1);
    CHECK(gres[0].type == "h100");
    CHECK(gres[0].count == 8);
    CHECK(gres[0].indices.empty());
  }

  TEST_CASE("Used GRES carries the device indices") {
    auto gres = parse_gres("gpu:h100:2(IDX:0-1,4)");
    REQUIRE(gres.size() == 1);
    CHECK(gres[0].count == 2);
    CHECK(gres[0].indices == std::vector<int>{0, 1, 4});
  }

  TEST_CASE("Unused GRES reads N/A indices as none") {
    auto gres = parse_gres("gpu:a100:0(IDX:N/A)");
    REQUIRE(gres.size() == 1);
    CHECK(gres[0].count == 0);
    CHECK(gres[0].indices.empty());
  }

  TEST_CASE("Several GRES on one node, with socket affinity, and other GRES names skipped") {
    auto gres = parse_gres("gpu:h100:4(S:0-1),shard:8,gpu:a100:2(IDX:0,2),mps:100");
    REQUIRE(gres.size() == 2);
    CHECK(gres[0].type == "h100");
    CHECK(gres[0].count == 4);
    CHECK(gres[1].type == "a100");
    CHECK(gres[1].indices == std::vector<int>{0, 2});
  }

  TEST_CASE("Untyped GRES has an empty type") {
    auto gres = parse_gres("gpu:4");
    REQUIRE(gres.size() == 1);
    CHECK(gres[0].type.empty());
    CHECK(gres[0].count == 4);
  }

  TEST_CASE("Empty, null and malformed text gives nothing and never throws") {
    CHECK(parse_gres("").empty());
    CHECK(parse_gres("(null)").empty());
    CHECK(parse_gres("gpu:h100:x").empty());
    CHECK(parse_gres("gpu:a:b:c:d").empty());
    CHECK(parse_index_list("3-1").empty());
    CHECK(parse_index_list("0-").empty());
    CHECK(parse_index_list("N/A").empty());
  }

  TEST_CASE("Index lists format as CUDA_VISIBLE_DEVICES does") {
    CHECK(format_index_list(parse_index_list("0-2,5")) == "0,1,2,5");
    CHECK(format_index_list({}).empty());
  }
}
