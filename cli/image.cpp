#include <fmt/format.h>

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>

#include "cli/context.hpp"
#include "cli/report.hpp"
#include "cli/table.hpp"
#include "core/containerfile.hpp"
#include "core/copy_files.hpp"
#include "core/manifest_json.hpp"
#include "core/manifest_loader.hpp"
#include "gpu_spec/spellcheck.hpp"
#include "server/container_runner.hpp"
#include "server/image_builder.hpp"

namespace gpurun::cli {
namespace {

struct Selected {
  std::string function;
  core::ImageSpec image;
};

// The image of `function`, or, when none is named, the one image the manifest's functions use.
Selected select_image(const std::string& file, const std::string& function) {
  core::ManifestLoad load = core::load_manifests({file});
  if (!load.manifest) {
    print_diagnostics(load.diagnostics);
    throw Error(fmt::format("{} is not a valid manifest", file), ErrorKind::invalid);
  }
  const core::Manifest& manifest = *load.manifest;
  if (!function.empty()) {
    const core::Function* fn = manifest.find_function(function);
    if (!fn) {
      std::vector<std::string> names;
      for (const core::Function& f : manifest.functions) names.push_back(f.name);
      std::string message = fmt::format("no function '{}' in {}", function, file);
      if (auto guess = gpu_spec::closest_match(function, names)) message += "; did you mean '" + *guess + "'?";
      throw Error(message, ErrorKind::not_found);
    }
    core::ImageSpec image = manifest.image_for(*fn);
    if (image.is_host()) throw Error(fmt::format("function '{}' runs on the host (base: host); it has no image", function), ErrorKind::invalid);
    core::list_copy_files(image);
    return {fn->name, image};
  }
  std::vector<Selected> found;
  std::string hashes;
  for (const core::Function& fn : manifest.functions) {
    core::ImageSpec image = manifest.image_for(fn);
    if (image.is_host()) continue;
    std::string hash = core::to_json(image).dump();
    if (hashes.find(hash + "\n") == std::string::npos) {
      hashes += hash + "\n";
      found.push_back({fn.name, image});
    }
  }
  if (found.empty()) throw Error(fmt::format("no function of {} needs an image: all run on the host", file), ErrorKind::invalid);
  if (found.size() > 1) {
    std::vector<std::string> names;
    for (const Selected& s : found) names.push_back(s.function);
    throw Error(fmt::format("{} declares {} different images; name a function: {}", file, found.size(), fmt::join(names, ", ")),
                ErrorKind::invalid);
  }
  core::list_copy_files(found.front().image);
  return found.front();
}

nlohmann::json steps_json(const core::RenderedImage& rendered) {
  nlohmann::json steps = nlohmann::json::array();
  for (const core::ContainerfileStep& step : rendered.steps)
    steps.push_back({{"origin", step.origin}, {"instruction", step.instruction}});
  return steps;
}

std::string human_size(std::int64_t bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1000 && unit < 4) value /= 1000, ++unit;
  return unit == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", value, units[unit]);
}

std::string utc_time(std::int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

struct Options {
  std::string file;
  std::string function;
  bool quiet = false;
  OutputFormat output = OutputFormat::text;
};

CLI::App* add_manifest_command(CLI::App& image, Context& context, const std::string& name,
                               const std::string& description, Options& options) {
  CLI::App* command = image.add_subcommand(name, description);
  context.file_options.push_back(command->add_option("file", options.file, "Manifest file")->required());
  CLI::Option* function =
      command->add_option("function", options.function, "The function whose image to use (needed when the manifest has several)");
  context.dynamic_hints[function] = "functions";
  add_output_option(*command, context, options.output);
  return command;
}

// What the local executor supervises for a run in an image: build the image unless its tag
// exists (podman's output goes to the run's stderr), then become `podman run`, so that signals,
// output and the exit code are the container's.
ExitCode run_container(const std::string& file) {
  std::ifstream in(file);
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
  if (!in || doc.is_discarded()) throw Error("cannot read the container launch " + file, ErrorKind::invalid);
  server::ContainerLaunch launch = server::container_launch_from_json(doc);
  // A deployed image's files come from the server's blob store, never from a folder here.
  if (!launch.image.copy.empty() && launch.blob_dir.empty())
    throw Error("the container launch " + file + " copies files but names no blob folder");
  server::PodmanConfig config = server::PodmanConfig::from_environment();
  server::ImageBuilder builder(config);
  server::BuildResult result =
      builder.ensure(launch.image, [](std::string_view line) { fmt::print(stderr, "{}\n", line); }, launch.blob_dir);
  if (result.built)
    fmt::print(stderr, "gpurun: built image {} in {:.1f} s\n", result.tag, static_cast<double>(result.elapsed.count()) / 1000.0);
  std::vector<std::string> argv = server::podman_run_argv(config, launch, result.tag);
  std::vector<char*> args;
  for (std::string& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  ::execvp(args[0], args.data());
  throw Error("cannot run " + argv[0] + ": " + std::strerror(errno));
}

} // namespace

void add_image(CLI::App& root, Context& context) {
  CLI::App* image = root.add_subcommand("image", "Render, build and list function images (podman)");
  image->require_subcommand(1);

  auto render = std::make_shared<Options>();
  add_manifest_command(*image, context, "render", "Print the Containerfile of a function's image and its tag", *render)
      ->callback([render, &context] {
        context.action = [render] {
          Selected selected = select_image(render->file, render->function);
          core::RenderedImage rendered = core::render_image(selected.image);
          if (render->output == OutputFormat::json)
            print_json({{"function", selected.function}, {"tag", rendered.tag}, {"hash", rendered.hash},
                        {"containerfile", rendered.text}, {"steps", steps_json(rendered)}});
          else
            fmt::print("{}", rendered.text);
          return ExitCode::ok;
        };
      });

  auto build = std::make_shared<Options>();
  CLI::App* build_command = add_manifest_command(
      *image, context, "build", "Build a function's image with podman unless its tag exists; progress on stderr", *build);
  build_command->add_flag("-q,--quiet", build->quiet, "Do not show podman's build output");
  build_command->callback([build, &context] {
    context.action = [build] {
      Selected selected = select_image(build->file, build->function);
      server::ImageBuilder builder(server::PodmanConfig::from_environment());
      server::LineSink progress;
      if (!build->quiet) progress = [](std::string_view line) { fmt::print(stderr, "{}\n", line); };
      server::BuildResult result = builder.ensure(selected.image, progress);
      double seconds = static_cast<double>(result.elapsed.count()) / 1000.0;
      if (build->output == OutputFormat::json)
        print_json({{"function", selected.function}, {"tag", result.tag}, {"built", result.built}, {"seconds", seconds}});
      else if (result.built)
        fmt::print("built {} in {:.1f} s\n", result.tag, seconds);
      else
        fmt::print("{} is up to date (cached)\n", result.tag);
      return ExitCode::ok;
    };
  });

  // Internal: started by `gpurun serve`'s local executor, hidden from help and completion.
  auto launch_file = std::make_shared<std::string>();
  CLI::App* run = image->add_subcommand("run-container", "Build if needed, then run a function in its image");
  run->group("");
  run->add_option("file", *launch_file, "Container launch (JSON) written by the local executor")->required();
  run->callback([launch_file, &context] { context.action = [launch_file] { return run_container(*launch_file); }; });

  auto list = std::make_shared<Options>();
  CLI::App* ls = image->add_subcommand("ls", "List the images gpurun built");
  add_output_option(*ls, context, list->output);
  ls->callback([list, &context] {
    context.action = [list] {
      server::ImageBuilder builder(server::PodmanConfig::from_environment());
      std::vector<server::ImageInfo> images = builder.list();
      if (list->output == OutputFormat::json) {
        nlohmann::json out = nlohmann::json::array();
        for (const server::ImageInfo& i : images)
          out.push_back({{"tag", i.tag}, {"id", i.id}, {"created", utc_time(i.created)}, {"size", i.size}});
        print_json({{"images", out}});
        return ExitCode::ok;
      }
      if (images.empty()) {
        fmt::print(stderr, "no images built yet; `gpurun image build FILE` builds one\n");
        return ExitCode::ok;
      }
      Table table({"TAG", "IMAGE ID", "CREATED", "SIZE"});
      for (const server::ImageInfo& i : images) table.add({i.tag, i.id, utc_time(i.created), human_size(i.size)});
      table.print();
      return ExitCode::ok;
    };
  });
}

} // namespace gpurun::cli
