#include <fmt/format.h>

#include "cli/client.hpp"
#include "cli/context.hpp"
#include "cli/deploy.hpp"
#include "cli/progress.hpp"
#include "cli/report.hpp"
#include "cli/run_view.hpp"
#include "cli/terminal.hpp"
#include "core/error.hpp"
#include "core/manifest_loader.hpp"
#include "core/random.hpp"
#include "gpu_spec/spellcheck.hpp"

namespace gpurun::cli {
namespace {

const core::Function& choose_function(const core::Manifest& manifest, const std::string& name) {
  if (!name.empty()) {
    if (const core::Function* fn = manifest.find_function(name)) return *fn;
    std::vector<std::string> names;
    for (const core::Function& f : manifest.functions) names.push_back(f.name);
    std::string message = "app '" + manifest.app + "' has no function '" + name + "'";
    if (auto s = gpu_spec::closest_match(name, names)) message += "; did you mean '" + *s + "'?";
    throw Error(message, ErrorKind::invalid);
  }
  if (manifest.functions.size() == 1) return manifest.functions.front();
  std::vector<std::string> names;
  for (const core::Function& f : manifest.functions) names.push_back(f.name);
  throw Error(fmt::format("app '{}' has {} functions; name the one to run: {}", manifest.app, names.size(),
                          fmt::join(names, ", ")),
              ErrorKind::invalid);
}

// Asks the control plane what the run waits for; quickly, as it only feeds a progress line.
Progress::Describe describe_wait(core::ApiConfig config, const std::string& id) {
  config.attempts = 1;
  config.timeouts = {std::chrono::milliseconds(1000), std::chrono::milliseconds(2000)};
  return [config, id] { return run_wait_text(core::ApiClient(config).run(id)); };
}

} // namespace

void add_run(CLI::App& root, Context& context) {
  struct Options {
    std::string file;
    std::string function;
    bool detach = false;
    OutputFormat output = OutputFormat::text;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = root.add_subcommand(
      "run", "Deploy an app, run one function, stream its output and exit with its exit code (args after --)");
  context.file_options.push_back(command->add_option("file", options->file, "Manifest file")->required());
  CLI::Option* function = command->add_option("function", options->function, "Function to run (optional when the app has one)");
  context.dynamic_hints[function] = "functions";
  command->add_flag("-d,--detach", options->detach, "Submit and return at once with the run record")->envname("GPURUN_DETACH");
  add_output_option(*command, context, options->output);

  command->callback([options, &context] {
    context.action = [options, &context] {
      core::ManifestLoad load = core::load_manifests({options->file});
      if (!load.manifest) {
        print_diagnostics(load.diagnostics);
        return ExitCode::invalid;
      }
      const core::Function& fn = choose_function(*load.manifest, options->function);
      const core::ApiConfig config = connect_config(context.settings, Announce::yes);
      core::ApiClient client(config);
      nlohmann::json deployed = deploy_manifest(client, *load.manifest);
      // A fresh key per invocation: retries of this submission are safe, a second `gpurun run` is a new run.
      nlohmann::json run = client.submit(load.manifest->app, fn.name, context.passthrough, core::random_hex(16));
      const std::string id = run["id"].get<std::string>();
      const bool json_output = options->output == OutputFormat::json;
      if (is_terminal(stderr) && !json_output)
        print_note(fmt::format("run {} of {}.{} ({}, version {}); {}", id, load.manifest->app, fn.name,
                               deployed["changed"].get<bool>() ? "deployed" : "unchanged",
                               deployed["version"].get<std::string>().substr(0, 12),
                               options->detach ? "detached" : "following its output"));
      if (options->detach) {
        if (json_output) print_json(run);
        else fmt::print("{}\n", id);
        return ExitCode::ok;
      }
      // With --output json, stdout holds only the record: the function's output goes to stderr.
      nlohmann::json final_run;
      try {
        // Until the function's first output, say what the run waits for.
        Progress progress(stderr, describe_wait(config, id));
        final_run = follow_run(config, id, json_output ? stderr : stdout, stderr, [&progress] { progress.stop(); });
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::unreachable) throw;
        // The run itself goes on (or is re-attached by the next server): say how to find it.
        throw Error(std::string(e.what()) + "; run " + id + " may still be running: gpurun logs -f " + id,
                    ErrorKind::unreachable);
      }
      ExitCode code = run_exit_code(final_run);
      if (json_output) {
        print_json(final_run);
      } else if (code != ExitCode::ok) {
        print_error(fmt::format("run {} {}{}", id, final_run.value("state", ""),
                                final_run.value("reason", "").empty() ? "" : ": " + final_run.value("reason", "")));
      }
      return code;
    };
  });
}

} // namespace gpurun::cli
