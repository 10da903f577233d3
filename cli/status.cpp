// `gpurun status RUN` and `gpurun cancel RUN`.

#include <fmt/format.h>

#include "cli/client.hpp"
#include "cli/context.hpp"
#include "cli/report.hpp"
#include "cli/run_view.hpp"

namespace gpurun::cli {

void add_status(CLI::App& root, Context& context) {
  struct Options {
    std::string id;
    OutputFormat output = OutputFormat::text;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = root.add_subcommand("status", "Show a run: state, GPU placed and why, exit code");
  command->add_option("run", options->id, "Run id")->required();
  add_output_option(*command, context, options->output);
  command->callback([options, &context] {
    context.action = [options, &context] {
      nlohmann::json run = core::ApiClient(connect_config(context.settings)).run(options->id);
      if (options->output == OutputFormat::json) print_json(run);
      else print_run(run);
      return ExitCode::ok;
    };
  });
}

void add_cancel(CLI::App& root, Context& context) {
  struct Options {
    std::string id;
    OutputFormat output = OutputFormat::text;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = root.add_subcommand("cancel", "Cancel a run: at once when queued, SIGTERM then SIGKILL when running");
  command->add_option("run", options->id, "Run id")->required();
  add_output_option(*command, context, options->output);
  command->callback([options, &context] {
    context.action = [options, &context] {
      nlohmann::json run = core::ApiClient(connect_config(context.settings, Announce::yes)).cancel(options->id);
      if (options->output == OutputFormat::json) print_json(run);
      else fmt::print("{} {}\n", run.value("id", ""), run.value("reason", "") == "cancel requested" ? "cancelling" : run.value("state", ""));
      return ExitCode::ok;
    };
  });
}

} // namespace gpurun::cli
