#include <doctest/doctest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "cli/exit_code.hpp"

using namespace gpurun::cli;

TEST_SUITE("ExitCode") {
  TEST_CASE("The README's exit-code table is the one the code uses") {
    std::ifstream readme(GPURUN_SOURCE_DIR "/README.md");
    REQUIRE(readme);
    std::string line;
    bool in_table = false;
    size_t row = 0;
    const std::regex row_pattern(R"(^\| (\d+) \| (.*) \|$)");
    while (std::getline(readme, line)) {
      if (line == "## Exit codes") in_table = true;
      else if (in_table && line.starts_with("## ")) break;
      std::smatch m;
      if (!in_table || !std::regex_match(line, m, row_pattern)) continue;
      REQUIRE(row < std::size(k_exit_codes));
      CHECK(std::stoi(m[1]) == to_int(k_exit_codes[row].code));
      CHECK(m[2].str() == k_exit_codes[row].meaning);
      ++row;
    }
    CHECK(row == std::size(k_exit_codes));
  }

  TEST_CASE("Codes are distinct") {
    for (size_t i = 0; i < std::size(k_exit_codes); ++i)
      for (size_t j = i + 1; j < std::size(k_exit_codes); ++j)
        CHECK(to_int(k_exit_codes[i].code) != to_int(k_exit_codes[j].code));
  }
}
