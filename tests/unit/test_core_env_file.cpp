#include <doctest/doctest.h>

#include "core/env_file.hpp"

using namespace gpurun::core;

namespace {

std::vector<std::string> errors_of(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& d : parse_env_file(text, "s.env").diagnostics)
    out.push_back(d.pos.path + ":" + std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column) + ": " + d.message);
  return out;
}

} // namespace

TEST_SUITE("EnvFile") {
  TEST_CASE("Plain, exported, quoted and commented lines") {
    EnvFileLoad load = parse_env_file("# a comment\n\nA=1\nexport B = two words  # note\n"
                                      "C='single # kept'\nD=\"line\\nbreak \\\"q\\\"\"\nE=\nF=\"multi\nline\"\n",
                                      "s.env");
    REQUIRE(load.diagnostics.empty());
    CHECK(load.values == std::map<std::string, std::string>{{"A", "1"},
                                                            {"B", "two words"},
                                                            {"C", "single # kept"},
                                                            {"D", "line\nbreak \"q\""},
                                                            {"E", ""},
                                                            {"F", "multi\nline"}});
  }

  TEST_CASE("Errors point at the line and never quote a value") {
    CHECK(errors_of("hunter2\n") == std::vector<std::string>{"s.env:1:8: expected KEY=VALUE"});
    CHECK(errors_of("s3cr3t!=x\n") ==
          std::vector<std::string>{"s.env:1:8: the name before '=' is not a variable name (letters, digits and '_', not starting with a digit)"});
    CHECK(errors_of("A=\"open\n") == std::vector<std::string>{"s.env:1:3: the value of A has no closing \""});
    CHECK(errors_of("A='x' y\n") == std::vector<std::string>{"s.env:1:7: unexpected text after the quoted value of A"});
    CHECK(errors_of("A=1\nA=2\n") == std::vector<std::string>{"s.env:2:1: A is set twice"});
  }

  TEST_CASE("A file with an error yields no values") {
    CHECK(parse_env_file("A=1\nbad\n", "s.env").values.empty());
  }
}
