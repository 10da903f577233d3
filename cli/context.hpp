#pragma once
// What subcommand files share: the action chosen by parsing, the settings (global options,
// environment, profile), and the value hints that shell completion offers for options and
// arguments.

#include <CLI/CLI.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "cli/exit_code.hpp"
#include "cli/settings.hpp"
#include "gpu_spec/spec.hpp"

namespace gpurun::cli {

enum class OutputFormat { text, json, github };
// The formats a command's --output accepts. `github` (GitHub Actions annotations) is for
// commands that report diagnostics; set by GPURUN_OUTPUT or a profile, it means `text` elsewhere.
enum class OutputChoices { text_json, text_json_github };

// A command's --output, resolved after parsing from the environment or the profile when the
// flag was not given.
struct OutputBinding {
  CLI::App* command;
  CLI::Option* option;
  OutputFormat* format;
  OutputChoices choices;
};

struct Context {
  std::function<ExitCode()> action;
  // Values completion offers for an option or positional (by the option's object).
  std::map<const CLI::Option*, std::vector<std::string>> value_hints;
  // Values a shell asks gpurun for (`gpurun __complete KIND`): "functions" (of the manifest
  // given as the command's first argument) or "profiles".
  std::map<const CLI::Option*, std::string> dynamic_hints;
  // Options that take file paths, completed as files.
  std::vector<const CLI::Option*> file_options;
  // The words after `--`, for the function a command runs (`gpurun run FILE -- ARGS`).
  std::vector<std::string> passthrough;
  Settings settings;
  std::vector<OutputBinding> outputs;
};

// Adds `--output text|json[|github]` to a subcommand (when absent: GPURUN_OUTPUT, the profile,
// text).
CLI::Option* add_output_option(CLI::App& command, Context& context, OutputFormat& format,
                               OutputChoices choices = OutputChoices::text_json);

// A GPU spec given to an option (`--expect H100:8`); an invalid one is a usage error naming the
// option.
gpu_spec::GpuSpec parse_spec_option(const std::string& option, const std::string& text);
// A duration given to an option (`--grace 30s`); an invalid one is a usage error naming the
// option.
std::chrono::milliseconds parse_duration_option(const std::string& option, const std::string& text);

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
void add_config(CLI::App& root, Context& context);

} // namespace gpurun::cli
