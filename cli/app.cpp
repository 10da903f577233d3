#include "cli/app.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <csignal>
#include <exception>
#include <optional>

#include "cli/context.hpp"
#include "cli/report.hpp"
#include "core/error.hpp"
#include "core/units.hpp"
#include "gpu_spec/spellcheck.hpp"

#ifndef GPURUN_VERSION
#define GPURUN_VERSION "unknown"
#endif

namespace gpurun::cli {
namespace {

ExitCode exit_code_for(ErrorKind kind) {
  switch (kind) {
  case ErrorKind::failure: return ExitCode::failure;
  case ErrorKind::invalid: return ExitCode::invalid;
  case ErrorKind::no_capacity: return ExitCode::no_capacity;
  case ErrorKind::unreachable: return ExitCode::unreachable;
  case ErrorKind::no_device: return ExitCode::no_device;
  case ErrorKind::auth: return ExitCode::auth;
  case ErrorKind::not_found: return ExitCode::not_found;
  }
  return ExitCode::failure;
}

// CLI11 reports an unknown subcommand as an unexpected argument; say what the user meant.
std::optional<std::string> unknown_subcommand(CLI::App& root, int argc, char** argv) {
  int at = 1;
  while (at < argc && argv[at][0] == '-') { // global options before the command, with their values
    const CLI::Option* option = root.get_option_no_throw(argv[at++]);
    if (option != nullptr && option->get_expected_max() > 0) ++at;
  }
  if (at >= argc) return std::nullopt;
  std::string word = argv[at];
  if (word.empty()) return std::nullopt;
  std::vector<std::string> names;
  for (const CLI::App* sub : root.get_subcommands({}))
    if (!sub->get_group().empty()) names.push_back(sub->get_name());
  for (const CLI::App* sub : root.get_subcommands({}))
    if (sub->get_name() == word) return std::nullopt;
  std::string message = "unknown command '" + word + "'";
  if (auto suggestion = gpu_spec::did_you_mean(word, names))
    message += "; " + *suggestion;
  else
    message += "; run 'gpurun --help' for the list of commands";
  return message;
}

// Options of every command, written before or after the command's name (docs/config.md).
void add_global_options(CLI::App& root, Context& context) {
  GlobalFlags& flags = context.settings.flags;
  context.file_options.push_back(
      root.add_option("--config", flags.config,
                      "Configuration file with profiles (env GPURUN_CONFIG; default $XDG_CONFIG_HOME/gpurun/config.yaml)")
          ->option_text("FILE"));
  CLI::Option* profile =
      root.add_option("--profile", flags.profile, "Profile of the configuration file to use (env GPURUN_PROFILE)")
          ->option_text("NAME");
  context.dynamic_hints[profile] = "profiles";
  root.add_option("--endpoint", flags.endpoint,
                  "Control plane URL (env GPURUN_ENDPOINT; default: the profile's, else the local control plane)")
      ->option_text("URL");
  context.file_options.push_back(
      root.add_option("--token-file", flags.token_file,
                      "File holding the control plane's token (env GPURUN_TOKEN_FILE, or GPURUN_TOKEN with the token)")
          ->option_text("FILE"));
}

// Each command's help names the global options it takes too.
void add_global_footer(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_group().empty()) continue;
    sub->footer("Global options (gpurun --help): --config FILE, --profile NAME, --endpoint URL, --token-file FILE");
    add_global_footer(*sub);
  }
}

// A command's --output that was not given comes from GPURUN_OUTPUT, the profile or the default.
void resolve_outputs(Context& context) {
  for (const OutputBinding& binding : context.outputs) {
    if (!binding.command->parsed() || binding.option->count() > 0) continue;
    const std::string value = context.settings.output().value;
    *binding.format = value == "json" ? OutputFormat::json
                      : value == "github" && binding.choices == OutputChoices::text_json_github ? OutputFormat::github
                                                                                                 : OutputFormat::text;
  }
}

} // namespace

CLI::Option* add_output_option(CLI::App& command, Context& context, OutputFormat& format, OutputChoices choices) {
  std::map<std::string, OutputFormat> formats = {{"text", OutputFormat::text}, {"json", OutputFormat::json}};
  std::vector<std::string> names = {"text", "json"};
  std::string help = "Output format: text, or json (one JSON document on stdout)";
  if (choices == OutputChoices::text_json_github) {
    formats["github"] = OutputFormat::github;
    names.push_back("github");
    help = "Output format: text, json (one JSON document on stdout) or github (GitHub Actions annotations)";
  }
  CLI::Option* option = command.add_option("-o,--output", format, help + "; env GPURUN_OUTPUT")
                            ->transform(CLI::CheckedTransformer(formats))
                            ->option_text(fmt::format("{}", fmt::join(names, "|")));
  context.value_hints[option] = names;
  context.outputs.push_back({&command, option, &format, choices});
  return option;
}

gpu_spec::GpuSpec parse_spec_option(const std::string& option, const std::string& text) {
  auto parsed = gpu_spec::parse_spec(text);
  if (auto* error = std::get_if<gpu_spec::SpecError>(&parsed))
    throw Error(fmt::format("invalid {} '{}': {}", option, text, error->message), ErrorKind::invalid);
  return std::get<gpu_spec::GpuSpec>(parsed);
}

std::chrono::milliseconds parse_duration_option(const std::string& option, const std::string& text) {
  std::string error;
  std::optional<std::chrono::milliseconds> duration = core::parse_duration(text, error);
  if (!duration) throw Error(fmt::format("invalid {} '{}': {}", option, text, error), ErrorKind::invalid);
  return *duration;
}

int run(int argc, char** argv) {
  CLI::App root{"gpurun: validate, plan, deploy and run GPU functions", "gpurun"};
  root.set_version_flag("--version", std::string("gpurun ") + GPURUN_VERSION);
  root.require_subcommand(1);
  // Global options may follow the command's name too: `gpurun deploy app.yaml --profile ci`.
  root.fallthrough(true);
  Context context;
  add_global_options(root, context);
  add_validate(root, context);
  add_gpus(root, context);
  add_plan(root, context);
  add_image(root, context);
  add_serve(root, context);
  add_deploy(root, context);
  add_run(root, context);
  add_status(root, context);
  add_logs(root, context);
  add_cancel(root, context);
  add_ps(root, context);
  add_apps(root, context);
  add_inventory(root, context);
  add_smoke(root, context);
  add_secret(root, context);
  add_config(root, context);
  add_completion(root, context);
  add_manpage(root, context);
  add_smoke_gate(root, context);
  add_global_footer(root);

  // Words after `--` belong to the function `gpurun run` starts, not to gpurun.
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) != "--") continue;
    context.passthrough.assign(argv + i + 1, argv + argc);
    argc = i;
    break;
  }

  if (argc < 2) {
    fmt::print(stderr, "{}", root.help());
    print_error("a command is required");
    return to_int(ExitCode::invalid);
  }
  if (auto message = unknown_subcommand(root, argc, argv)) {
    print_error(*message);
    return to_int(ExitCode::invalid);
  }
  try {
    root.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    fmt::print("{}", root.help());
    return to_int(ExitCode::ok);
  } catch (const CLI::CallForAllHelp&) {
    fmt::print("{}", root.help("", CLI::AppFormatMode::All));
    return to_int(ExitCode::ok);
  } catch (const CLI::CallForVersion& e) {
    fmt::print("{}\n", e.what());
    return to_int(ExitCode::ok);
  } catch (const CLI::ParseError& e) {
    // A subcommand's --help arrives here as a CallForHelp raised inside the subcommand.
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
      // The innermost parsed command (`gpurun image build --help` is about build).
      CLI::App* asked = nullptr;
      for (CLI::App* level = &root; level;) {
        CLI::App* next = nullptr;
        for (CLI::App* sub : level->get_subcommands())
          if (sub->parsed()) next = sub;
        if (next) asked = next;
        level = next;
      }
      if (asked) {
        fmt::print("{}", asked->help());
        return to_int(ExitCode::ok);
      }
      fmt::print("{}", root.help());
      return to_int(ExitCode::ok);
    }
    print_error(e.what());
    return to_int(ExitCode::invalid);
  }

  // Global options may come before the command: ask the parser which one it is.
  const bool takes_command = root.got_subcommand("run") || root.got_subcommand("__smoke-gate");
  if (!context.passthrough.empty() && !takes_command) {
    print_error("only `gpurun run` takes arguments after --");
    return to_int(ExitCode::invalid);
  }
  try {
    resolve_outputs(context);
    return to_int(context.action ? context.action() : ExitCode::invalid);
  } catch (const Error& e) {
    if (e.pos()) print_diagnostic({*e.pos(), e.what(), ""});
    else print_error(e.what());
    return to_int(exit_code_for(e.kind()));
  } catch (const std::bad_alloc&) {
    print_error("out of memory");
    return to_int(ExitCode::failure);
  } catch (const std::exception& e) {
    print_error(std::string("internal error: ") + e.what());
    return to_int(ExitCode::failure);
  }
}

} // namespace gpurun::cli
