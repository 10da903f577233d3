#include "cli/app.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <csignal>
#include <exception>

#include "cli/context.hpp"
#include "cli/report.hpp"
#include "core/error.hpp"
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
  if (argc < 2) return std::nullopt;
  std::string word = argv[1];
  if (word.empty() || word[0] == '-') return std::nullopt;
  std::vector<std::string> names;
  for (const CLI::App* sub : root.get_subcommands({})) names.push_back(sub->get_name());
  for (const std::string& name : names)
    if (name == word) return std::nullopt;
  std::string message = "unknown command '" + word + "'";
  if (auto suggestion = gpu_spec::did_you_mean(word, names))
    message += "; " + *suggestion;
  else
    message += "; run 'gpurun --help' for the list of commands";
  return message;
}

} // namespace

CLI::Option* add_output_option(CLI::App& command, Context& context, OutputFormat& format) {
  CLI::Option* option =
      command
          .add_option("-o,--output", format, "Output format: text, or json (one JSON document on stdout)")
          ->transform(CLI::CheckedTransformer(
              std::map<std::string, OutputFormat>{{"text", OutputFormat::text}, {"json", OutputFormat::json}}))
          ->envname("GPURUN_OUTPUT")
          ->option_text("text|json");
  context.value_hints[option] = {"text", "json"};
  return option;
}

int run(int argc, char** argv) {
  CLI::App root{"gpurun: validate, plan, deploy and run GPU functions", "gpurun"};
  root.set_version_flag("--version", std::string("gpurun ") + GPURUN_VERSION);
  root.require_subcommand(1);
  root.fallthrough(false);
  Context context;
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
  add_completion(root, context);
  add_manpage(root, context);
  add_smoke_gate(root, context);

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

  const bool takes_command = argc > 1 && (std::string_view(argv[1]) == "run" || std::string_view(argv[1]) == "__smoke-gate");
  if (!context.passthrough.empty() && !takes_command) {
    print_error("only `gpurun run` takes arguments after --");
    return to_int(ExitCode::invalid);
  }
  try {
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
