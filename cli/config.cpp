// `gpurun config show`: the effective settings and where each came from (the flag, a GPURUN_*
// variable, a profile, or the default), so that "which server am I talking to, and why" has an
// answer. Tokens are never shown, only where they would be read from.

#include <fmt/format.h>

#include <filesystem>

#include "cli/context.hpp"
#include "cli/report.hpp"
#include "cli/table.hpp"

namespace gpurun::cli {
namespace {

struct Row {
  std::string name;
  Setting setting;
  std::string shown; // the value as text shows it
};

std::vector<Row> effective(Settings& settings, const std::string& output_flag) {
  std::vector<Row> rows;
  const Setting config = settings.config_path();
  const core::ConfigFile& file = settings.config_file();
  rows.push_back({"config", config, config.value.empty() ? "none" : file.exists ? config.value : config.value + " (none there)"});
  const Setting profile = settings.profile();
  rows.push_back({"profile", profile, profile.value.empty() ? "none" : profile.value});
  const Setting endpoint = settings.endpoint();
  rows.push_back({"endpoint", endpoint, endpoint.value.empty() ? "the local control plane" : endpoint.value});
  const Setting token = settings.token_file();
  std::string token_text = token.source == "env GPURUN_TOKEN" ? "set (its value is not shown)"
                           : token.value.empty()             ? "none"
                                                             : token.value;
  std::error_code ec;
  if (!token.value.empty() && !std::filesystem::exists(token.value, ec))
    token_text += token.source == "default" ? " (written when the local control plane starts)" : " (missing)";
  rows.push_back({"token", token, token_text});
  const Setting output = settings.output(output_flag);
  rows.push_back({"output", output, output.value});
  const Setting state = settings.state();
  rows.push_back({"state", state, state.value});
  return rows;
}

} // namespace

void add_config(CLI::App& root, Context& context) {
  CLI::App* config = root.add_subcommand("config", "Show the settings in effect: profiles, endpoint, token, output");
  config->require_subcommand(1);
  struct Options {
    OutputFormat output = OutputFormat::text;
  };
  auto options = std::make_shared<Options>();
  CLI::App* show = config->add_subcommand(
      "show", "Print each setting in effect and where it came from: flag, environment, profile or default");
  CLI::Option* output = add_output_option(*show, context, options->output);
  show->callback([options, output, &context] {
    context.action = [options, output, &context] {
      const std::string flag = output->count() > 0 ? (options->output == OutputFormat::json ? "json" : "text") : "";
      std::vector<Row> rows = effective(context.settings, flag);
      const core::ConfigFile& file = context.settings.config_file();
      if (options->output == OutputFormat::json) {
        nlohmann::json settings = nlohmann::json::object();
        for (const Row& row : rows) {
          // The token's value never appears; "value" is the file it is read from, if any.
          settings[row.name] = {{"value", row.setting.value}, {"source", row.setting.source}};
        }
        print_json({{"settings", settings}, {"profiles", file.profile_names()}});
        return ExitCode::ok;
      }
      Table table({"SETTING", "VALUE", "SOURCE"});
      for (const Row& row : rows) table.add({row.name, row.shown, row.setting.source});
      table.print();
      if (!file.profiles.empty())
        fmt::print("\nprofiles in {}: {}\n", file.path, fmt::join(file.profile_names(), ", "));
      return ExitCode::ok;
    };
  });
}

} // namespace gpurun::cli
