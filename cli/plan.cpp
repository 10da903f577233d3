#include <fmt/format.h>

#include "cli/context.hpp"
#include "cli/report.hpp"
#include "cli/terminal.hpp"
#include "core/inventory.hpp"
#include "core/manifest_json.hpp"
#include "core/manifest_loader.hpp"
#include "core/resolver.hpp"

namespace gpurun::cli {
namespace {

std::string placement_text(const core::Placement& p) {
  if (p.count == 0) return "CPU only";
  return fmt::format("{}:{} on {}{}", p.type, p.count, p.node,
                     p.fit == gpu_spec::Fit::upgrade ? " (upgrade)" : "");
}

void print_text(const core::Manifest& manifest, const std::vector<core::Resolution>& resolutions,
                const std::string& inventory_path) {
  fmt::print("app '{}': {} function{} against {} (declared inventory; nothing is submitted)\n",
             manifest.app, manifest.functions.size(), manifest.functions.size() == 1 ? "" : "s",
             inventory_path);
  for (size_t i = 0; i < manifest.functions.size(); ++i) {
    const core::Resolution& r = resolutions[i];
    std::string verdict = r.placement ? placement_text(*r.placement)
                          : r.can_wait() ? "waits: nothing fits now"
                                         : "cannot be placed on this inventory";
    Color color = r.placement ? Color::green : r.can_wait() ? Color::yellow : Color::red;
    fmt::print("\n{}  ->  {}\n", paint(stdout, Color::bold, manifest.functions[i].name), paint(stdout, color, verdict));
    int n = 1;
    for (const core::Candidate& c : r.candidates) {
      fmt::print("  {}. {:<14} {:<10} {}\n", n++, c.spec.to_string(), core::to_string(c.status), c.reason);
      if (!c.upgrade_note.empty()) fmt::print("     {:<14} {:<10} {}\n", "", "", c.upgrade_note);
      if (std::string advice = c.spec.advisory(); !advice.empty())
        fmt::print("     {:<14} {:<10} note: {}\n", "", "", advice);
    }
  }
}

} // namespace

void add_plan(CLI::App& root, Context& context) {
  struct Options {
    std::vector<std::string> files;
    std::string inventory;
    OutputFormat output = OutputFormat::text;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = root.add_subcommand(
      "plan", "Resolve each function's GPU chain against an inventory; submits nothing");
  context.file_options.push_back(command->add_option("files", options->files, "Manifest files")->required());
  context.file_options.push_back(command->add_option("--inventory", options->inventory,
                                                     "Inventory YAML: nodes, their GPUs and how many are free")
                                     ->envname("GPURUN_INVENTORY")
                                     ->required());
  add_output_option(*command, context, options->output);

  command->callback([options, &context] {
    context.action = [options] {
      core::ManifestLoad load = core::load_manifests(options->files);
      core::InventoryLoad inv = core::load_inventory(options->inventory);
      if (!load.manifest || !inv.inventory) {
        print_diagnostics(load.diagnostics);
        print_diagnostics(inv.diagnostics);
        return ExitCode::invalid;
      }
      std::vector<core::Resolution> resolutions;
      bool all_placed = true;
      for (const core::Function& fn : load.manifest->functions) {
        resolutions.push_back(core::resolve(fn.gpu, *inv.inventory));
        all_placed = all_placed && resolutions.back().placement.has_value();
      }
      if (options->output == OutputFormat::json) {
        nlohmann::json functions = nlohmann::json::array();
        for (size_t i = 0; i < resolutions.size(); ++i) {
          nlohmann::json item = core::to_json(resolutions[i]);
          item["name"] = load.manifest->functions[i].name;
          item["can_wait"] = resolutions[i].can_wait();
          functions.push_back(item);
        }
        print_json({{"app", load.manifest->app}, {"functions", functions}});
      } else {
        print_text(*load.manifest, resolutions, options->inventory);
      }
      return all_placed ? ExitCode::ok : ExitCode::no_capacity;
    };
  });
}

} // namespace gpurun::cli
