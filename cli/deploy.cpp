#include <fmt/format.h>

#include "cli/client.hpp"
#include "cli/context.hpp"
#include "cli/deploy.hpp"
#include "cli/progress.hpp"
#include "cli/report.hpp"
#include "core/copy_files.hpp"
#include "core/manifest_loader.hpp"

namespace gpurun::cli {

nlohmann::json deploy_manifest(core::ApiClient& client, core::Manifest& manifest) {
  core::list_copy_files(manifest);
  const size_t count = manifest.functions.size();
  const std::string what =
      "deploying app '" + manifest.app + "' (" + std::to_string(count) + " function" + (count == 1 ? "" : "s") + ")";
  Progress progress(stderr, [what] { return what; });
  return client.deploy(manifest, [&progress](size_t files, std::uint64_t bytes) {
    progress.stop(); // the note must not land inside a live progress line
    print_note(fmt::format("uploading {} file{} ({:.1f} MB) of the build context", files, files == 1 ? "" : "s",
                           static_cast<double>(bytes) / 1e6));
  });
}

void add_deploy(CLI::App& root, Context& context) {
  struct Options {
    std::vector<std::string> files;
    OutputFormat output = OutputFormat::text;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = root.add_subcommand("deploy", "Validate and deploy an app; deploying the same content again changes nothing");
  context.file_options.push_back(command->add_option("files", options->files, "Manifest files (one app)")->required());
  add_output_option(*command, context, options->output);

  command->callback([options, &context] {
    context.action = [options, &context] {
      core::ManifestLoad load = core::load_manifests(options->files);
      if (!load.manifest) {
        print_diagnostics(load.diagnostics);
        return ExitCode::invalid;
      }
      core::ApiClient client(connect_config(context.settings, Announce::yes));
      nlohmann::json result = deploy_manifest(client, *load.manifest);
      nlohmann::json out = {{"app", result["app"]}, {"version", result["version"]}, {"changed", result["changed"]}};
      if (options->output == OutputFormat::json) print_json(out);
      else
        fmt::print("{} app '{}' version {}\n", result["changed"].get<bool>() ? "deployed" : "unchanged:",
                   result["app"].get<std::string>(), result["version"].get<std::string>().substr(0, 12));
      return ExitCode::ok;
    };
  });
}

} // namespace gpurun::cli
