#pragma once

namespace gpurun::cli {

// The whole command line: parses argv, runs one subcommand, prints any error once, and returns
// the exit code (see exit_code.hpp). Never throws.
int run(int argc, char** argv);

} // namespace gpurun::cli
