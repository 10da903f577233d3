// `gpurun ps`, `gpurun apps` and `gpurun inventory`: listings from the control plane.

#include <fmt/format.h>

#include "cli/client.hpp"
#include "cli/context.hpp"
#include "cli/report.hpp"
#include "cli/run_view.hpp"
#include "cli/table.hpp"

namespace gpurun::cli {

using nlohmann::json;

void add_ps(CLI::App& root, Context& context) {
  struct Options {
    std::string app;
    std::string state;
    int limit = 0;
    OutputFormat output = OutputFormat::text;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = root.add_subcommand("ps", "List runs, newest first");
  command->add_option("--app", options->app, "Only this app's runs")->envname("GPURUN_APP");
  CLI::Option* state = command->add_option("--state", options->state, "Only runs in this state")->envname("GPURUN_STATE_FILTER");
  context.value_hints[state] = {"queued", "running", "succeeded", "failed", "cancelled", "timed_out", "lost"};
  command->add_option("--limit", options->limit, "At most this many (1 to 1000; default 100)")->envname("GPURUN_LIMIT");
  add_output_option(*command, context, options->output);
  command->callback([options, &context] {
    context.action = [options, &context] {
      json runs = core::ApiClient(connect_config(context.settings)).runs({options->app, options->state, options->limit})["runs"];
      if (options->output == OutputFormat::json) {
        print_json({{"runs", runs}});
        return ExitCode::ok;
      }
      Table table({"RUN", "APP", "FUNCTION", "STATE", "GPU", "EXIT", "CREATED"});
      for (const json& run : runs)
        table.add({run.value("id", ""), run.value("app", ""), run.value("function", ""), run.value("state", ""),
                   placement_summary(run), run["exit_code"].is_number() ? run["exit_code"].dump() : "-",
                   run["created_at"].is_string() ? run["created_at"].get<std::string>() : "-"});
      table.print();
      return ExitCode::ok;
    };
  });
}

void add_apps(CLI::App& root, Context& context) {
  auto output = std::make_shared<OutputFormat>(OutputFormat::text);
  CLI::App* command = root.add_subcommand("apps", "List deployed apps");
  add_output_option(*command, context, *output);
  command->callback([output, &context] {
    context.action = [output, &context] {
      json apps = core::ApiClient(connect_config(context.settings)).apps();
      if (*output == OutputFormat::json) {
        print_json(apps);
        return ExitCode::ok;
      }
      Table table({"APP", "VERSION", "FUNCTIONS", "UPDATED", "NEXT TICK"});
      for (const json& app : apps["apps"]) {
        std::string functions;
        for (const json& f : app["functions"]) functions += (functions.empty() ? "" : ",") + f.get<std::string>();
        // "nightly 2026-01-02T06:00:00Z" for each scheduled function.
        std::string ticks;
        for (const json& s : app.value("schedules", json::array()))
          ticks += (ticks.empty() ? "" : ", ") + s.value("function", "") + " " +
                   (s["next_tick"].is_string() ? s["next_tick"].get<std::string>() : "never");
        table.add({app.value("app", ""), app.value("version", "").substr(0, 12), functions,
                   app["updated_at"].is_string() ? app["updated_at"].get<std::string>() : "-", ticks.empty() ? "-" : ticks});
      }
      table.print();
      return ExitCode::ok;
    };
  });
}

void add_inventory(CLI::App& root, Context& context) {
  auto output = std::make_shared<OutputFormat>(OutputFormat::text);
  CLI::App* command = root.add_subcommand("inventory", "Show the control plane's nodes and GPUs, total and free");
  add_output_option(*command, context, *output);
  command->callback([output, &context] {
    context.action = [output, &context] {
      json inventory = core::ApiClient(connect_config(context.settings)).inventory();
      if (*output == OutputFormat::json) {
        print_json(inventory);
        return ExitCode::ok;
      }
      if (inventory.value("simulated", false)) print_note("these GPUs are simulated (a declared inventory)");
      Table table({"NODE", "GPU", "FREE", "TOTAL"});
      for (const json& node : inventory["nodes"]) {
        if (node["gpus"].empty()) table.add({node.value("name", ""), "(none)", "-", "-"});
        for (const json& gpu : node["gpus"])
          table.add({node.value("name", ""), gpu.value("type", ""), std::to_string(gpu.value("free", 0)),
                     std::to_string(gpu.value("total", 0))});
      }
      table.print();
      return ExitCode::ok;
    };
  });
}

} // namespace gpurun::cli
