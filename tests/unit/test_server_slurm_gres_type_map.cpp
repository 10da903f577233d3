#include <doctest/doctest.h>

#include "core/error.hpp"
#include "server/slurm/gres_type_map.hpp"

using namespace gpurun::server::slurm;

TEST_SUITE("GresTypeMap") {
  TEST_CASE("A GRES type named like a physical catalog type maps without an entry") {
    GresTypeMap map;
    CHECK(map.to_catalog("h100") == "H100");
    CHECK(map.to_catalog("L40s") == "L40S");
    CHECK(map.to_catalog("a10g") == "A10");
    CHECK(map.to_gres("H100") == "h100");
  }

  TEST_CASE("A family or an unknown name maps to nothing without an entry") {
    GresTypeMap map;
    CHECK_FALSE(map.to_catalog("a100").has_value());
    CHECK_FALSE(map.to_catalog("tesla").has_value());
    CHECK_FALSE(map.to_catalog("").has_value());
  }

  TEST_CASE("Entries map both ways and override the names") {
    GresTypeMap map = GresTypeMap::parse("a100=A100-80GB, h100_sxm: h100\nl4=L4");
    CHECK(map.to_catalog("a100") == "A100-80GB");
    CHECK(map.to_catalog("A100") == "A100-80GB");
    CHECK(map.to_catalog("h100_sxm") == "H100");
    CHECK(map.to_gres("A100-80GB") == "a100");
    CHECK(map.to_gres("H100") == "h100_sxm");
  }

  TEST_CASE("A family on the right is refused with its variants") {
    try {
      GresTypeMap::parse("a100=A100");
      FAIL("expected an error");
    } catch (const gpurun::Error& error) {
      CHECK(error.kind() == gpurun::ErrorKind::invalid);
      CHECK(std::string(error.what()) ==
            "GRES type mapping 'a100=A100': A100 is a family; name the cards the nodes hold: A100-40GB or A100-80GB");
    }
  }

  TEST_CASE("An unknown catalog type is refused with a did-you-mean") {
    try {
      GresTypeMap::parse("a100=A100-80G");
      FAIL("expected an error");
    } catch (const gpurun::Error& error) {
      CHECK(std::string(error.what()) ==
            "GRES type mapping 'a100=A100-80G': unknown GPU type 'A100-80G'; did you mean A100-80GB?");
    }
    CHECK_THROWS_AS(GresTypeMap::parse("a100"), gpurun::Error);
  }
}
