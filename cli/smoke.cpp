// `gpurun smoke`: runs the smoke checks (kernels/smoke.hpp) and prints the report. Exit codes:
// 0 when every check passed or warned, 1 when one failed, 2 for bad flags, 5 when there is no
// CUDA device (or this build has no CUDA support).

#include <fmt/format.h>

#include <charconv>

#include "cli/context.hpp"
#include "cli/progress.hpp"
#include "cli/report.hpp"
#include "cli/table.hpp"
#include "core/error.hpp"
#include "gpu_spec/catalog.hpp"
#include "gpu_spec/spec.hpp"
#include "kernels/report_json.hpp"
#include "kernels/smoke.hpp"

namespace gpurun::cli {
namespace {

std::vector<int> parse_devices(const std::string& text) {
  if (text == "all") return {};
  std::vector<int> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string_view part(text.data() + start, end - start);
    int value = -1;
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc() || ptr != part.data() + part.size() || value < 0)
      throw Error(fmt::format("invalid --device '{}': expected 'all', a device number or a list like 0,1", text),
                  ErrorKind::invalid);
    out.push_back(value);
    start = end + 1;
  }
  return out;
}

std::string number(const std::optional<double>& value, const char* format = "{:.4g}") {
  return value ? fmt::format(fmt::runtime(format), *value) : "-";
}

void add_rows(Table& table, const std::vector<kernels::CheckResult>& checks) {
  for (const kernels::CheckResult& check : checks) {
    std::string value = check.value ? number(check.value) + (check.unit.empty() ? "" : " " + check.unit) : "-";
    table.add({check.name, std::string(kernels::status_name(check.status)), value, number(check.catalog),
               number(check.ratio, "{:.2f}"), fmt::format("{:.2f}s", check.duration_s), check.detail});
  }
}

void print_text(const kernels::SmokeReport& report) {
  fmt::print("gpurun smoke, {} level: driver {}, CUDA {} (runtime {})\n", kernels::level_name(report.level),
             report.driver_version.empty() ? "unknown" : report.driver_version,
             report.cuda_driver_version.empty() ? "unknown" : report.cuda_driver_version, report.runtime_version);
  for (const kernels::DeviceReport& device : report.devices) {
    std::string type = device.type.empty() ? "not in the catalog" : device.type;
    if (device.fit) type += fmt::format(", {} for {}", kernels::fit_name(*device.fit), report.expect->to_string());
    fmt::print("\ndevice {}: {} ({}): {}\n", device.info.index, device.info.name, type,
               kernels::status_name(device.status));
    Table table({"CHECK", "STATUS", "VALUE", "CATALOG", "RATIO", "TIME", "DETAIL"});
    add_rows(table, device.checks);
    table.print();
  }
  if (!report.checks.empty()) {
    fmt::print("\nacross devices:\n");
    Table table({"CHECK", "STATUS", "VALUE", "CATALOG", "RATIO", "TIME", "DETAIL"});
    add_rows(table, report.checks);
    table.print();
  }
  fmt::print("\n{}: {} device{} in {:.1f} s{}\n", kernels::report_status_name(report.status), report.devices.size(),
             report.devices.size() == 1 ? "" : "s", report.duration_s,
             report.reason.empty() ? "" : "; " + report.reason);
}

} // namespace

void add_smoke(CLI::App& root, Context& context) {
  struct Options {
    std::string level = "quick";
    std::string expect;
    std::string device = "all";
    OutputFormat output = OutputFormat::text;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = root.add_subcommand(
      "smoke", "Check that the GPUs are healthy and are the GPUs asked for; exit 0 pass, 1 fail, 5 no GPU");
  CLI::Option* level = command->add_option("--level", options->level, "quick (seconds) or thorough (under a minute)")
                           ->check(CLI::IsMember({"quick", "thorough"}))
                           ->option_text("quick|thorough");
  context.value_hints[level] = {"quick", "thorough"};
  CLI::Option* expect =
      command->add_option("--expect", options->expect, "The GPU spec the devices must serve (H100, H100!, H200:2)")
          ->option_text("SPEC");
  context.value_hints[expect] = gpu_spec::type_names();
  CLI::Option* device =
      command->add_option("--device", options->device, "Devices to test: all, a number or a list (0,1)")
          ->option_text("N|all");
  context.value_hints[device] = {"all", "0"};
  add_output_option(*command, context, options->output);

  command->callback([options, &context] {
    context.action = [options] {
      kernels::SmokeOptions smoke;
      smoke.level = options->level == "thorough" ? kernels::Level::thorough : kernels::Level::quick;
      smoke.devices = parse_devices(options->device);
      if (!options->expect.empty()) smoke.expect = parse_spec_option("--expect", options->expect);
      if (options->output == OutputFormat::text)
        fmt::print(stderr, "running the {} smoke checks...\n", kernels::level_name(smoke.level));
      std::unique_ptr<kernels::Backend> backend = kernels::make_system_backend();
      kernels::SmokeReport report;
      {
        const std::string what = fmt::format("running the {} smoke checks", kernels::level_name(smoke.level));
        Progress progress(stderr, [what] { return what; });
        report = kernels::run_smoke(*backend, smoke);
      }
      if (options->output == OutputFormat::json) {
        print_json(kernels::to_json(report));
      } else if (report.status == kernels::ReportStatus::no_device) {
        print_error(report.reason);
      } else {
        print_text(report);
      }
      switch (report.status) {
      case kernels::ReportStatus::pass:
      case kernels::ReportStatus::warn: return ExitCode::ok;
      case kernels::ReportStatus::fail: return ExitCode::failure;
      case kernels::ReportStatus::no_device: return ExitCode::no_device;
      }
      return ExitCode::failure;
    };
  });
}

} // namespace gpurun::cli
