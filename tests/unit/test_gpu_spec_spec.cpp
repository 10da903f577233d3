#include <doctest/doctest.h>

#include "gpu_spec/spec.hpp"

using namespace gpurun::gpu_spec;

namespace {

GpuSpec parse_ok(std::string_view text) {
  auto result = parse_spec(text);
  REQUIRE_MESSAGE(std::holds_alternative<GpuSpec>(result), "spec: ", std::string(text));
  return std::get<GpuSpec>(result);
}

SpecError parse_error(std::string_view text) {
  auto result = parse_spec(text);
  REQUIRE_MESSAGE(std::holds_alternative<SpecError>(result), "spec: ", std::string(text));
  return std::get<SpecError>(result);
}

} // namespace

TEST_SUITE("GpuSpec") {
  TEST_CASE("A bare type asks for one GPU and allows upgrades") {
    GpuSpec spec = parse_ok("A100");
    CHECK(spec.type->name == "A100");
    CHECK(spec.count == 1);
    CHECK(spec.upgrade == Upgrade::allowed);
    CHECK(spec.to_string() == "A100");
  }

  TEST_CASE("Types are case-insensitive and normalised to the catalog's spelling") {
    CHECK(parse_ok("h100").to_string() == "H100");
    CHECK(parse_ok("a100-80gb:2").to_string() == "A100-80GB:2");
    CHECK(parse_ok("l40s").to_string() == "L40S");
  }

  TEST_CASE("Every type of the seed document parses") {
    for (const char* name : {"T4", "L4", "A10", "A100", "A100-40GB", "A100-80GB", "L40S", "H100", "H200", "B200"})
      CHECK(parse_ok(name).type->name == name);
  }

  TEST_CASE("The alias A10G means A10") { CHECK(parse_ok("A10G:2").to_string() == "A10:2"); }

  TEST_CASE("A count of up to 8 is accepted for B200, H200, H100, A100, L4, T4 and L40S") {
    for (const char* name : {"B200", "H200", "H100", "A100", "L4", "T4", "L40S"}) {
      CHECK(parse_ok(std::string(name) + ":8").count == 8);
      CHECK(parse_error(std::string(name) + ":9").message ==
            std::string(name) + " allows at most 8 GPUs per function, got 9");
    }
  }

  TEST_CASE("A10 allows at most 4 GPUs") {
    CHECK(parse_ok("A10:4").count == 4);
    SpecError error = parse_error("A10:5");
    CHECK(error.message == "A10 allows at most 4 GPUs per function, got 5");
    CHECK(error.offset == 4);
  }

  TEST_CASE("H100:8 asks for eight H100 that may be H200") {
    GpuSpec spec = parse_ok("H100:8");
    CHECK(spec.count == 8);
    CHECK(spec.fit("H100") == Fit::exact);
    CHECK(spec.fit("H200") == Fit::upgrade);
    CHECK(spec.fit("A100-80GB") == Fit::no);
  }

  TEST_CASE("H100! forbids the H200 upgrade") {
    GpuSpec spec = parse_ok("H100!");
    CHECK(spec.upgrade == Upgrade::forbidden);
    CHECK(spec.to_string() == "H100!");
    CHECK(spec.fit("H100") == Fit::exact);
    CHECK(spec.fit("H200") == Fit::no);
    CHECK(parse_ok("H100!:4").to_string() == "H100!:4");
  }

  TEST_CASE("A100 runs on the 40GB variant, or is upgraded to the 80GB one") {
    GpuSpec spec = parse_ok("A100");
    CHECK(spec.fit("A100-40GB") == Fit::exact);
    CHECK(spec.fit("A100-80GB") == Fit::upgrade);
    GpuSpec exact = parse_ok("A100!");
    CHECK(exact.fit("A100-40GB") == Fit::exact);
    CHECK(exact.fit("A100-80GB") == Fit::no);
  }

  TEST_CASE("Specific variants are never substituted") {
    CHECK(parse_ok("A100-40GB").fit("A100-80GB") == Fit::no);
    CHECK(parse_ok("A100-80GB").fit("A100-40GB") == Fit::no);
    CHECK(parse_ok("H200").fit("H100") == Fit::no);
  }

  TEST_CASE("'!' on a type that is never upgraded is an error that says so") {
    CHECK(parse_error("A10!").message == "'A10!' forbids an upgrade, but A10 is never upgraded; write 'A10'");
    CHECK(parse_error("A10!").offset == 3);
    CHECK(parse_error("h200!").message == "'H200!' forbids an upgrade, but H200 is never upgraded; write 'H200'");
    CHECK(parse_error("A100-80GB!:2").message ==
          "'A100-80GB!' forbids an upgrade, but A100-80GB is never upgraded; write 'A100-80GB'");
  }

  TEST_CASE("Unknown types get a did-you-mean") {
    CHECK(parse_error("A100-70GB").message == "unknown GPU type 'A100-70GB'; did you mean 'A100-40GB' or 'A100-80GB'?");
    CHECK(parse_error("H1000").message == "unknown GPU type 'H1000'; did you mean 'H100'?");
    CHECK(parse_error("RTX4090").message ==
          "unknown GPU type 'RTX4090'; known types: T4, L4, A10, A100, A100-40GB, A100-80GB, L40S, H100, H200, B200");
  }

  TEST_CASE("Counts must be whole numbers from 1") {
    CHECK(parse_error("h100:0").message == "GPU count must be at least 1, got '0'");
    CHECK(parse_error("h100:0").offset == 5);
    CHECK(parse_error("H100:").message == "missing GPU count after ':'");
    CHECK(parse_error("H100:x").message == "GPU count must be a whole number, got 'x'");
    CHECK(parse_error("H100:-1").message == "GPU count must be a whole number, got '-1'");
    CHECK(parse_error("H100:99999999999999999999").message ==
          "H100 allows at most 8 GPUs per function, got 99999999999999999999");
  }

  TEST_CASE("Trailing text after the count is an error") {
    SpecError error = parse_error("H100:8:2");
    CHECK(error.message == "unexpected ':2' after the GPU count; a spec is TYPE[!][:N], such as H100:8");
    CHECK(error.offset == 6);
    CHECK(parse_error("H100:8!").message == "'!' goes before the count: write 'H100!:8'");
    CHECK(parse_error("H100 ").message == "unexpected ' ' in GPU spec; a spec is TYPE[!][:N], such as H100:8");
    CHECK(parse_error("H100!!").message == "unexpected '!' in GPU spec; a spec is TYPE[!][:N], such as H100:8");
  }

  TEST_CASE("Empty and malformed specs") {
    CHECK(parse_error("").message == "empty GPU spec; expected TYPE[!][:N], such as H100 or H100:8");
    CHECK(parse_error(":8").message == "GPU spec must start with a GPU type, got ':'");
    CHECK(parse_error("!").message == "GPU spec must start with a GPU type, got '!'");
  }

  TEST_CASE("Requesting more than 2 GPUs carries the seed's wait-time advice") {
    CHECK(parse_ok("H100:2").advisory().empty());
    CHECK(parse_ok("H100:3").advisory() == "requesting more than 2 GPUs may result in longer wait times");
  }

  TEST_CASE("A chain prints in order") {
    GpuChain chain = {parse_ok("H100"), parse_ok("A100-40GB:2")};
    CHECK(chain_to_string(chain) == "H100, A100-40GB:2");
  }
}
