#include <fmt/format.h>

#include "cli/context.hpp"
#include "cli/report.hpp"
#include "cli/table.hpp"
#include "gpu_spec/catalog.hpp"
#include "gpu_spec/selection.hpp"
#include "gpu_spec/spellcheck.hpp"

namespace gpurun::cli {
namespace {

nlohmann::json type_json(const gpu_spec::GpuType& type) {
  nlohmann::json ids = nlohmann::json::array();
  for (unsigned id : type.pci_device_ids) ids.push_back(fmt::format("0x{:04x}", id));
  std::vector<std::string_view> upgrades(type.runs_on.begin() + 1, type.runs_on.end());
  nlohmann::json out = {
      {"name", type.name},
      {"kind", type.kind == gpu_spec::TypeKind::family ? "family" : "physical"},
      {"aliases", type.aliases},
      {"architecture", type.architecture},
      {"memory_gb", type.memory_gb},
      {"bandwidth_gbps", type.bandwidth_gbps},
      {"fp32_tflops", type.fp32_tflops},
      {"bf16_tflops", type.bf16_tflops},
      {"compute_capability", fmt::format("{}.{}", type.cc_major, type.cc_minor)},
      {"max_count", type.max_count},
      {"runs_on", type.runs_on},
      {"upgrades", upgrades},
      {"device_names", type.device_names},
      {"pci_device_ids", ids},
      {"summary", type.summary},
  };
  out["price_usd_per_hour"] = type.price ? nlohmann::json(type.price->usd_per_hour) : nlohmann::json(nullptr);
  out["price_source"] = type.price ? nlohmann::json(type.price->source) : nlohmann::json(nullptr);
  return out;
}

std::string memory_text(const gpu_spec::GpuType& type) {
  if (type.kind == gpu_spec::TypeKind::family) return "40/80 GB";
  return fmt::format("{:g} GB", type.memory_gb);
}

// The catalog, or only the types named (each checked, with a did-you-mean).
std::vector<const gpu_spec::GpuType*> selected(const std::vector<std::string>& names) {
  std::vector<const gpu_spec::GpuType*> out;
  for (const auto& type : gpu_spec::catalog())
    if (names.empty()) out.push_back(&type);
  for (const std::string& name : names) {
    const gpu_spec::GpuType* type = gpu_spec::find_type(name);
    if (type == nullptr) {
      std::string message = "unknown GPU type '" + name + "'";
      if (auto s = gpu_spec::did_you_mean(name, gpu_spec::type_names())) message += "; " + *s;
      throw Error(message, ErrorKind::invalid);
    }
    out.push_back(type);
  }
  return out;
}

ExitCode list_catalog(const std::vector<std::string>& names, OutputFormat output) {
  auto types = selected(names);
  if (output == OutputFormat::json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto* type : types) out.push_back(type_json(*type));
    print_json(out);
    return ExitCode::ok;
  }
  Table table({"TYPE", "ARCH", "MEMORY", "BANDWIDTH", "FP32", "BF16", "MAX", "MAY RUN ON", "USD/H"});
  for (const auto* type_ptr : types) {
    const gpu_spec::GpuType& type = *type_ptr;
    std::vector<std::string_view> upgrades(type.runs_on.begin() + 1, type.runs_on.end());
    std::string runs_on = type.kind == gpu_spec::TypeKind::family
                              ? fmt::format("{}", fmt::join(type.runs_on, ", "))
                              : fmt::format("{}", fmt::join(upgrades, ", "));
    table.add({std::string(type.name), std::string(type.architecture), memory_text(type),
               fmt::format("{:g} TB/s", type.bandwidth_gbps / 1000), fmt::format("{:g} TF", type.fp32_tflops),
               type.bf16_tflops > 0 ? fmt::format("{:g} TF", type.bf16_tflops) : "-",
               std::to_string(type.max_count), runs_on.empty() ? "-" : runs_on,
               type.price ? fmt::format("{:.2f}", type.price->usd_per_hour) : "-"});
  }
  table.print();
  fmt::print("\nSpecs: TYPE[!][:N]. An upgrade may serve a request (H100 on H200); '!' forbids it.\n"
             "Lists are fallback chains: [\"H100\", \"A100-40GB:2\"]. Prices: {}.\n",
             gpu_spec::find_type("H100")->price->source);
  return ExitCode::ok;
}

ExitCode recommend(gpu_spec::Workload workload, const std::string& name, OutputFormat output) {
  auto ranked = gpu_spec::recommend(workload);
  if (output == OutputFormat::json) {
    nlohmann::json out = nlohmann::json::array();
    int rank = 1;
    for (const auto& r : ranked) {
      nlohmann::json item = type_json(*gpu_spec::find_type(r.type));
      item["rank"] = rank++;
      item["reason"] = r.reason;
      out.push_back(item);
    }
    print_json(out);
    return ExitCode::ok;
  }
  fmt::print("GPUs for {}, best first:\n", name);
  int rank = 1;
  for (const auto& r : ranked) fmt::print("  {}. {:<10} {}\n", rank++, r.type, r.reason);
  return ExitCode::ok;
}

} // namespace

void add_gpus(CLI::App& root, Context& context) {
  struct Options {
    std::string workload;
    std::vector<std::string> types;
    OutputFormat output = OutputFormat::text;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = root.add_subcommand("gpus", "List the GPU catalog, or recommend GPUs for a workload");
  CLI::Option* for_option =
      command->add_option("--for", options->workload, "Recommend GPUs for: inference, training or memory-bound")
          ->check(CLI::IsMember(gpu_spec::workload_names()))
          ->option_text("inference|training|memory-bound");
  context.value_hints[for_option] = gpu_spec::workload_names();
  CLI::Option* types = command->add_option("types", options->types, "Show only these GPU types");
  context.value_hints[types] = gpu_spec::type_names();
  add_output_option(*command, context, options->output);
  command->callback([options, &context] {
    context.action = [options] {
      if (options->workload.empty()) return list_catalog(options->types, options->output);
      return recommend(*gpu_spec::parse_workload(options->workload), options->workload, options->output);
    };
  });
}

} // namespace gpurun::cli
