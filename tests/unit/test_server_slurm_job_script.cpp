#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "core/error.hpp"
#include "server/slurm/job_script.hpp"

using namespace gpurun::server;
using namespace gpurun::server::slurm;

namespace {

// Runs a script with bash and returns its standard output.
std::string run_with_bash(const std::string& script) {
  auto path = std::filesystem::temp_directory_path() / ("gpurun-test-script-" + std::to_string(::getpid()) + ".sh");
  std::ofstream(path) << script;
  std::string out;
  if (FILE* pipe = ::popen(("bash " + path.string()).c_str(), "r")) {
    char buffer[256];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
    ::pclose(pipe);
  }
  std::filesystem::remove(path);
  return out;
}

} // namespace

TEST_SUITE("JobScript") {
  TEST_CASE("Words are single-quoted, single quotes escaped") {
    CHECK(shell_quote("plain") == "'plain'");
    CHECK(shell_quote("") == "''");
    CHECK(shell_quote("it's") == "'it'\\''s'");
    CHECK(shell_quote("$HOME `id` \"x\"") == "'$HOME `id` \"x\"'");
  }

  TEST_CASE("The script starts with a shebang and execs the command") {
    RunLaunch launch;
    launch.run_id = "r-1";
    launch.attempt = 2;
    launch.app = "demo";
    launch.function = "train";
    launch.command = {"python", "train.py", "--lr", "0.1"};
    CHECK(job_script(launch) == "#!/bin/bash\n"
                                "# gpurun run r-1, attempt 2: demo.train\n"
                                "exec 'python' 'train.py' '--lr' '0.1'\n");
  }

  TEST_CASE("Every word reaches the command unchanged, whatever it holds") {
    RunLaunch launch;
    launch.run_id = "r\n2"; // a newline in a comment must not start a command
    launch.command = {"printf", "[%s]\\n", "a b", "it's", "$HOME", "`id`", "x\ny", "", "*", ";exit 3"};
    CHECK(run_with_bash(job_script(launch)) == "[a b]\n[it's]\n[$HOME]\n[`id`]\n[x\ny]\n[]\n[*]\n[;exit 3]\n");
  }

  TEST_CASE("An empty command is refused") {
    RunLaunch launch;
    launch.run_id = "r-3";
    try {
      job_script(launch);
      FAIL("expected an error");
    } catch (const gpurun::Error& error) {
      CHECK(error.kind() == gpurun::ErrorKind::invalid);
      CHECK(std::string(error.what()) == "run r-3: the function has no command to run");
    }
  }
}
