#pragma once
// Running the podman client as a child process and reading what it prints, line by line. Kept
// apart from the podman logic so that the argv that logic builds can be checked in unit tests.

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace gpurun::server {

struct CommandResult {
  int exit_code = -1; // the child's exit status; 128 + N when signal N ended it
  std::string output; // stdout and stderr together, when captured
};

// Receives each line the child prints (stdout and stderr merged), without its newline.
using LineSink = std::function<void(std::string_view line)>;

// Runs `argv` (argv[0] looked up in PATH) with stdin from /dev/null, waits for it, and returns
// its exit status and, when `capture` is set, everything it printed. Each line also goes to
// `sink` when one is given. Throws Error when the program cannot be started.
enum class Capture { no, yes };
CommandResult run_command(const std::vector<std::string>& argv, Capture capture = Capture::yes,
                          const LineSink& sink = {});

} // namespace gpurun::server
