#include <fmt/format.h>

#include "cli/context.hpp"
#include "cli/report.hpp"
#include "core/manifest_json.hpp"
#include "core/manifest_loader.hpp"

namespace gpurun::cli {

void add_validate(CLI::App& root, Context& context) {
  struct Options {
    std::vector<std::string> files;
    OutputFormat output = OutputFormat::text;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = root.add_subcommand("validate", "Check manifests offline; exit 0 when valid, 2 when not");
  CLI::Option* files = command->add_option("files", options->files, "Manifest files (one deployment)")->required();
  context.file_options.push_back(files);
  add_output_option(*command, context, options->output, OutputChoices::text_json_github);

  command->callback([options, &context] {
    context.action = [options] {
      std::vector<core::ManifestLoad> loads = core::load_manifest_groups(options->files);
      bool valid = true;
      nlohmann::json deployments = nlohmann::json::array();
      nlohmann::json all_errors = nlohmann::json::array();
      size_t error_count = 0;
      for (const core::ManifestLoad& load : loads) {
        valid = valid && load.manifest.has_value();
        nlohmann::json errors = nlohmann::json::array();
        for (const Diagnostic& d : load.diagnostics) errors.push_back(core::to_json(d));
        all_errors.insert(all_errors.end(), errors.begin(), errors.end());
        error_count += load.diagnostics.size();
        nlohmann::json item = {{"valid", load.manifest.has_value()}, {"errors", errors}};
        if (load.manifest) {
          item["app"] = load.manifest->app;
          item["functions"] = load.manifest->functions.size();
          item["version"] = core::manifest_version(*load.manifest);
          if (options->output != OutputFormat::json)
            fmt::print("ok: app '{}', {} function{}, version {}\n", load.manifest->app,
                       load.manifest->functions.size(), load.manifest->functions.size() == 1 ? "" : "s",
                       item["version"].get<std::string>().substr(0, 12));
        } else if (options->output == OutputFormat::text) {
          print_diagnostics(load.diagnostics);
        } else if (options->output == OutputFormat::github) {
          // Workflow commands are read from stdout; the runner shows each on its file and line.
          for (const Diagnostic& d : load.diagnostics) fmt::print("{}\n", github_annotation(d));
        }
        deployments.push_back(item);
      }
      if (options->output == OutputFormat::json)
        print_json({{"valid", valid}, {"errors", all_errors}, {"deployments", deployments}});
      else if (!valid)
        fmt::print(stderr, "{} error{} found\n", error_count, error_count == 1 ? "" : "s");
      return valid ? ExitCode::ok : ExitCode::invalid;
    };
  });
}

} // namespace gpurun::cli
