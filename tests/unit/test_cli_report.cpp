#include <doctest/doctest.h>

#include "cli/report.hpp"

using namespace gpurun;
using namespace gpurun::cli;

TEST_SUITE("Report") {
  TEST_CASE("A GitHub annotation names the file, line and column") {
    CHECK(github_annotation({{"manifests/app.yaml", 4, 10}, "unknown GPU type 'H10O'; did you mean 'H100'?", ""}) ==
          "::error file=manifests/app.yaml,line=4,col=10::unknown GPU type 'H10O'; did you mean 'H100'?");
  }

  TEST_CASE("A file-level error has no line or column") {
    CHECK(github_annotation({{"a.yaml", 0, 0}, "cannot read: No such file or directory", ""}) ==
          "::error file=a.yaml::cannot read: No such file or directory");
  }

  TEST_CASE("Workflow-command characters are escaped") {
    CHECK(github_annotation({{"dir,1/a:b%.yaml", 1, 2}, "100% sure\r\nnext line", ""}) ==
          "::error file=dir%2C1/a%3Ab%25.yaml,line=1,col=2::100%25 sure%0D%0Anext line");
  }
}
