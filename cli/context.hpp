#pragma once
// What subcommand files share: the action chosen by parsing, and the value hints that shell
// completion offers for options and arguments.

#include <CLI/CLI.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "cli/exit_code.hpp"

namespace gpurun::cli {

enum class OutputFormat { text, json };

struct Context {
  std::function<ExitCode()> action;
  // Values completion offers for an option or positional (by the option's object).
  std::map<const CLI::Option*, std::vector<std::string>> value_hints;
  // Options that take file paths, completed as files.
  std::vector<const CLI::Option*> file_options;
  // The words after `--`, for the function a command runs (`gpurun run FILE -- ARGS`).
  std::vector<std::string> passthrough;
};

// Adds `--output text|json` (also GPURUN_OUTPUT) to a subcommand.
CLI::Option* add_output_option(CLI::App& command, Context& context, OutputFormat& format);

// One registration function per subcommand file.
void add_validate(CLI::App& root, Context& context);
void add_gpus(CLI::App& root, Context& context);
void add_plan(CLI::App& root, Context& context);
void add_completion(CLI::App& root, Context& context);
void add_image(CLI::App& root, Context& context);
void add_manpage(CLI::App& root, Context& context);
void add_serve(CLI::App& root, Context& context);
void add_deploy(CLI::App& root, Context& context);
void add_run(CLI::App& root, Context& context);
void add_smoke_gate(CLI::App& root, Context& context);
void add_status(CLI::App& root, Context& context);
void add_logs(CLI::App& root, Context& context);
void add_cancel(CLI::App& root, Context& context);
void add_ps(CLI::App& root, Context& context);
void add_apps(CLI::App& root, Context& context);
void add_inventory(CLI::App& root, Context& context);
void add_smoke(CLI::App& root, Context& context);
void add_secret(CLI::App& root, Context& context);

} // namespace gpurun::cli
