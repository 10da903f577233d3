#include "kernels/smoke.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <functional>
#include <thread>

#include "core/error.hpp"
#include "gpu_spec/device_match.hpp"
#include "kernels/health_checks.hpp"

namespace gpurun::kernels {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Runs one measurement; a thrown Error becomes a failed check, so one broken check never hides
// the others.
template <typename Result>
std::optional<Result> measure(const std::function<Result()>& body, std::vector<CheckResult>& failures,
                              std::string_view name, double& duration) {
  Clock::time_point start = Clock::now();
  try {
    Result result = body();
    duration = seconds_since(start);
    return result;
  } catch (const std::exception& e) {
    duration = seconds_since(start);
    CheckResult failed;
    failed.name = std::string(name);
    failed.status = CheckStatus::fail;
    failed.duration_s = duration;
    failed.detail = e.what();
    failures.push_back(std::move(failed));
    return std::nullopt;
  }
}

CheckResult skipped(std::string name, std::string why) {
  CheckResult check;
  check.name = std::move(name);
  check.status = CheckStatus::skip;
  check.detail = std::move(why);
  return check;
}

// FP32 lanes per SM by compute capability: the FMA check's own ceiling, beside the catalog peak.
int fp32_lanes_per_sm(int cc_major, int cc_minor) {
  if (cc_major == 8 && cc_minor == 0) return 64;
  if (cc_major < 8) return 64;
  return 128;
}

double gib(std::uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0); }

struct DeviceRun {
  const gpu_spec::GpuType* type = nullptr;
  std::vector<CheckResult> failures; // measurements that threw, reported under their own name
};

void test_memory(Backend& backend, const DeviceInfo& info, Level level, std::vector<CheckResult>& out,
                 DeviceRun& run) {
  double duration = 0;
  auto memtest = measure<MemtestResult>([&] { return backend.memtest(info.index, level); }, run.failures,
                                        "memory_pattern", duration);
  if (!memtest) return;
  CheckResult check;
  check.name = "memory_pattern";
  check.value = static_cast<double>(memtest->errors);
  check.unit = "errors";
  check.duration_s = duration;
  double coverage =
      memtest->free_bytes > 0 ? static_cast<double>(memtest->bytes_tested) / static_cast<double>(memtest->free_bytes) : 0;
  check.detail = fmt::format("{} patterns over {:.1f} GiB ({:.1f}% of free memory)", memtest->patterns,
                             gib(memtest->bytes_tested), coverage * 100);
  check.status = CheckStatus::pass;
  if (memtest->errors > 0) {
    check.status = CheckStatus::fail;
    check.detail += "; " + memtest->first_error;
  } else if (level == Level::thorough && coverage < k_thorough_memtest_coverage) {
    check.status = CheckStatus::warn;
    check.detail += fmt::format("; the thorough level should cover {:.0f}%", k_thorough_memtest_coverage * 100);
  }
  out.push_back(std::move(check));
}

void test_bandwidth(Backend& backend, const DeviceInfo& info, Level level, std::vector<CheckResult>& out,
                    DeviceRun& run) {
  double duration = 0;
  auto bw = measure<BandwidthResult>([&] { return backend.bandwidth(info.index, level); }, run.failures,
                                     "bandwidth_copy", duration);
  if (!bw) return;
  std::optional<double> catalog;
  if (run.type) catalog = run.type->bandwidth_gbps;
  CheckResult copy = rated_check("bandwidth_copy", bw->copy_gbps, "GB/s", catalog);
  CheckResult triad = rated_check("bandwidth_triad", bw->triad_gbps, "GB/s", catalog);
  copy.duration_s = triad.duration_s = duration / 2;
  copy.detail = fmt::format("16-byte copy over {:.1f} GiB buffers, bytes read + written", gib(bw->buffer_bytes));
  triad.detail = fmt::format("a = b + s*c over {:.1f} GiB buffers, bytes read + written", gib(bw->buffer_bytes));
  out.push_back(std::move(copy));
  out.push_back(std::move(triad));
}

void test_fma(Backend& backend, const DeviceInfo& info, Level level, std::vector<CheckResult>& out, DeviceRun& run) {
  double duration = 0;
  auto fma = measure<FmaResult>([&] { return backend.fma(info.index, level); }, run.failures, "fp32_fma", duration);
  if (!fma) return;
  std::optional<double> catalog;
  if (run.type) catalog = run.type->fp32_tflops;
  CheckResult check = rated_check("fp32_fma", fma->tflops, "TFLOP/s", catalog);
  check.duration_s = duration;
  double clock_peak =
      info.sm_count * fp32_lanes_per_sm(info.cc_major, info.cc_minor) * 2.0 * fma->clock_mhz * 1e6 / 1e12;
  check.detail = fmt::format("SM clock {:.0f} MHz; {:.3f} of SMs x {} lanes x 2 x clock ({:.1f} TFLOP/s)",
                             fma->clock_mhz, clock_peak > 0 ? fma->tflops / clock_peak : 0,
                             fp32_lanes_per_sm(info.cc_major, info.cc_minor), clock_peak);
  out.push_back(std::move(check));
}

void test_gemm(Backend& backend, const DeviceInfo& info, Level level, std::vector<CheckResult>& out, DeviceRun& run) {
  if (run.type && run.type->bf16_tflops <= 0) {
    out.push_back(skipped("gemm_bf16", fmt::format("{} has no bf16 tensor cores", run.type->name)));
    out.push_back(skipped("gemm_known_answer", fmt::format("{} has no bf16 tensor cores", run.type->name)));
    return;
  }
  double duration = 0;
  auto gemm = measure<GemmResult>([&] { return backend.gemm(info.index, level); }, run.failures, "gemm_bf16", duration);
  if (!gemm) return;
  std::optional<double> catalog;
  if (run.type) catalog = run.type->bf16_tflops;
  CheckResult rate = rated_check("gemm_bf16", gemm->tflops, "TFLOP/s", catalog);
  rate.duration_s = duration;
  rate.detail = fmt::format("cuBLASLt bf16 {}x{}x{} on random inputs; sampled relative error {:.1e}", gemm->m,
                            gemm->n, gemm->k, gemm->sample_rel_error);
  // bf16 output rounding alone gives about 4e-3; an order of magnitude more is a wrong result.
  if (!(gemm->sample_rel_error <= 2e-2)) {
    rate.status = CheckStatus::fail;
    rate.detail += " (above 2e-2: wrong results)";
  }
  out.push_back(std::move(rate));
  CheckResult known;
  known.name = "gemm_known_answer";
  known.status = gemm->known_answer_exact ? CheckStatus::pass : CheckStatus::fail;
  known.detail = gemm->known_answer_exact ? "integer-valued bf16 GEMM matches the exact product"
                                          : gemm->known_answer_detail;
  out.push_back(std::move(known));
}

void test_host_copies(Backend& backend, const DeviceInfo& info, Level level, const Health& health,
                      std::vector<CheckResult>& out, DeviceRun& run) {
  double duration = 0;
  auto copies = measure<HostCopyResult>([&] { return backend.host_copies(info.index, level); }, run.failures,
                                        "host_to_device", duration);
  if (!copies) return;
  std::optional<double> link;
  if (health.pcie_gen && health.pcie_width) link = pcie_link_gbps(*health.pcie_gen, *health.pcie_width);
  // A card idles its link at a lower generation; the figure the copies should approach is that
  // of the fastest generation both ends support.
  if (health.pcie_max_gen && health.pcie_width) link = pcie_link_gbps(*health.pcie_max_gen, *health.pcie_width);
  CheckResult h2d = rated_check("host_to_device", copies->h2d_gbps, "GB/s", link);
  CheckResult d2h = rated_check("device_to_host", copies->d2h_gbps, "GB/s", link);
  h2d.duration_s = d2h.duration_s = duration / 2;
  std::string what = fmt::format("pinned, {:.0f} MiB", static_cast<double>(copies->bytes) / (1 << 20));
  if (!link) what += "; PCIe link unreadable, not rated";
  h2d.detail = d2h.detail = what;
  if (!copies->data_ok) {
    d2h.status = CheckStatus::fail;
    d2h.detail += "; the data came back changed";
  }
  out.push_back(std::move(h2d));
  out.push_back(std::move(d2h));
}

DeviceReport test_device(Backend& backend, const DeviceInfo& info, const SmokeOptions& options) {
  DeviceReport report;
  report.info = info;
  DeviceRun run;
  std::vector<CheckResult> loads;

  Clock::time_point start = Clock::now();
  std::string type_name;
  CheckResult identity = identity_check(info, options.expect, type_name, report.fit);
  identity.duration_s = seconds_since(start);
  report.type = type_name;
  run.type = type_name.empty() ? nullptr : gpu_spec::find_type(type_name);

  // Bandwidth first, on a card not yet warmed by the others (a thorough memory test before it cost
  // 10% on an H200). Each check frees its memory, so the memory test still gets nearly all of
  // it. Health is read last, so clock-event reasons and the link reflect the load.
  test_bandwidth(backend, info, options.level, loads, run);
  test_memory(backend, info, options.level, loads, run);
  test_fma(backend, info, options.level, loads, run);
  test_gemm(backend, info, options.level, loads, run);
  start = Clock::now();
  Health health = backend.health(info.index);
  double health_duration = seconds_since(start);
  test_host_copies(backend, info, options.level, health, loads, run);

  report.checks.push_back(std::move(identity));
  if (run.type)
    report.checks.push_back(
        rated_check("memory_size", static_cast<double>(info.memory_bytes) / 1e9, "GB", run.type->memory_gb));
  else
    report.checks.push_back(skipped("memory_size", "not in the catalog"));
  for (CheckResult& check : health_checks(health)) {
    check.duration_s = health_duration / 4;
    report.checks.push_back(std::move(check));
  }
  // Report in the documented order (memory pattern before bandwidth), whatever the run order.
  std::stable_sort(loads.begin(), loads.end(), [](const CheckResult& a, const CheckResult& b) {
    return (a.name == "memory_pattern") > (b.name == "memory_pattern");
  });
  for (CheckResult& check : loads) report.checks.push_back(std::move(check));
  for (CheckResult& check : run.failures) report.checks.push_back(std::move(check));
  for (const CheckResult& check : report.checks) report.status = worse(report.status, check.status);
  return report;
}

std::vector<CheckResult> test_peers(Backend& backend, const std::vector<DeviceInfo>& devices, Level level) {
  std::vector<CheckResult> out;
  for (const DeviceInfo& from : devices)
    for (const DeviceInfo& to : devices) {
      if (from.index == to.index) continue;
      std::string name = fmt::format("peer_copy_{}_{}", from.index, to.index);
      Clock::time_point start = Clock::now();
      CheckResult check;
      check.name = name;
      check.unit = "GB/s";
      try {
        PeerResult peer = backend.peer(from.index, to.index, level);
        check.value = peer.gbps;
        check.status = CheckStatus::pass;
        check.detail = peer.access ? "peer access on; bytes moved once" : "no peer access: copies go through the host";
        if (!peer.access) check.status = CheckStatus::warn;
        if (!peer.data_ok) {
          check.status = CheckStatus::fail;
          check.detail = "the data arrived changed";
        }
        if (!peer.detail.empty()) check.detail += "; " + peer.detail;
      } catch (const std::exception& e) {
        check.status = CheckStatus::fail;
        check.detail = e.what();
      }
      check.duration_s = seconds_since(start);
      out.push_back(std::move(check));
    }
  return out;
}

std::string first_failure(const SmokeReport& report) {
  for (const DeviceReport& device : report.devices)
    for (const CheckResult& check : device.checks)
      if (check.status == CheckStatus::fail)
        return fmt::format("device {}: {}: {}", device.info.index, check.name, check.detail);
  for (const CheckResult& check : report.checks)
    if (check.status == CheckStatus::fail) return fmt::format("{}: {}", check.name, check.detail);
  return "";
}

} // namespace

std::string_view level_name(Level level) { return level == Level::quick ? "quick" : "thorough"; }

std::string_view report_status_name(ReportStatus status) {
  switch (status) {
  case ReportStatus::pass: return "pass";
  case ReportStatus::warn: return "warn";
  case ReportStatus::fail: return "fail";
  case ReportStatus::no_device: return "no_device";
  }
  return "fail";
}

std::string_view fit_name(gpu_spec::Fit fit) {
  switch (fit) {
  case gpu_spec::Fit::no: return "no";
  case gpu_spec::Fit::exact: return "exact";
  case gpu_spec::Fit::upgrade: return "upgrade";
  }
  return "no";
}

std::optional<double> pcie_link_gbps(int generation, int width) {
  // Transfer rate per lane in GT/s and the line code's payload share.
  static constexpr double k_rate[] = {0, 2.5, 5, 8, 16, 32, 64};
  if (generation < 1 || generation > 6 || width <= 0) return std::nullopt;
  double encoding = generation <= 2 ? 8.0 / 10.0 : 128.0 / 130.0;
  if (generation == 6) encoding = 242.0 / 256.0; // FLIT mode
  return k_rate[generation] * width * encoding / 8.0;
}

CheckResult rated_check(std::string name, double value, std::string unit, std::optional<double> catalog) {
  CheckResult check;
  check.name = std::move(name);
  check.value = value;
  check.unit = std::move(unit);
  check.status = CheckStatus::pass;
  check.threshold = threshold_for(check.name);
  if (catalog && *catalog > 0) {
    check.catalog = catalog;
    check.ratio = value / *catalog;
    if (check.threshold) check.status = grade(*check.ratio, *check.threshold);
  }
  return check;
}

CheckResult identity_check(const DeviceInfo& info, const std::optional<gpu_spec::GpuSpec>& expect,
                           std::string& type_name, std::optional<gpu_spec::Fit>& fit) {
  CheckResult check;
  check.name = "identity";
  check.status = CheckStatus::pass;
  double memory_gib = gib(info.memory_bytes);
  const gpu_spec::GpuType* type = gpu_spec::match_device({info.name, info.pci_device_id, memory_gib});
  std::string facts = fmt::format("{}, {} SMs, compute capability {}.{}, {:.1f} GiB", info.name, info.sm_count,
                                  info.cc_major, info.cc_minor, memory_gib);
  if (info.pci_device_id) facts += fmt::format(", PCI device 0x{:04x}", *info.pci_device_id);
  if (type == nullptr) {
    type_name.clear();
    check.status = expect ? CheckStatus::fail : CheckStatus::warn;
    check.detail = facts + ": not in the catalog";
  } else {
    type_name = std::string(type->name);
    check.detail = facts + " = " + type_name;
    if (info.cc_major != type->cc_major || info.cc_minor != type->cc_minor) {
      check.status = CheckStatus::fail;
      check.detail += fmt::format("; but the catalog's {} has compute capability {}.{}", type->name, type->cc_major,
                                  type->cc_minor);
    }
  }
  if (expect) {
    fit = type ? expect->fit(type->name) : gpu_spec::Fit::no;
    check.detail += fmt::format("; expected {}: {}", expect->to_string(), fit_name(*fit));
    if (*fit == gpu_spec::Fit::no) {
      check.status = CheckStatus::fail;
      if (type && expect->upgrade == gpu_spec::Upgrade::forbidden && expect->type->name != type->name &&
          gpu_spec::GpuSpec{expect->type, expect->count, gpu_spec::Upgrade::allowed}.fit(type->name) !=
              gpu_spec::Fit::no)
        check.detail += fmt::format(" ({} would be an upgrade, which '!' forbids)", type->name);
    }
  }
  return check;
}

SmokeReport run_smoke(Backend& backend, const SmokeOptions& options) {
  Clock::time_point start = Clock::now();
  SmokeReport report;
  report.level = options.level;
  report.expect = options.expect;
  SystemInfo system = backend.discover();
  report.driver_version = system.driver_version;
  report.cuda_driver_version = system.cuda_driver_version;
  report.runtime_version = system.runtime_version;
  if (system.devices.empty()) {
    report.status = ReportStatus::no_device;
    report.reason = system.unavailable_reason.empty() ? "no CUDA device found" : system.unavailable_reason;
    report.duration_s = seconds_since(start);
    return report;
  }

  std::vector<DeviceInfo> chosen;
  if (options.devices.empty()) {
    chosen = system.devices;
  } else {
    for (int index : options.devices) {
      bool found = false;
      for (const DeviceInfo& info : system.devices)
        if (info.index == index) {
          chosen.push_back(info);
          found = true;
        }
      if (!found)
        throw Error(fmt::format("no device {}: this machine has {} (0 to {})", index, system.devices.size(),
                                system.devices.size() - 1),
                    ErrorKind::invalid);
    }
  }

  report.devices.resize(chosen.size());
  if (backend.parallel_devices() && chosen.size() > 1) {
    std::vector<std::jthread> workers;
    for (size_t i = 0; i < chosen.size(); ++i)
      workers.emplace_back([&, i] { report.devices[i] = test_device(backend, chosen[i], options); });
  } else {
    for (size_t i = 0; i < chosen.size(); ++i) report.devices[i] = test_device(backend, chosen[i], options);
  }

  if (options.expect) {
    CheckResult count;
    count.name = "gpu_count";
    count.value = static_cast<double>(chosen.size());
    count.unit = "GPUs";
    count.catalog = options.expect->count;
    count.status = static_cast<int>(chosen.size()) >= options.expect->count ? CheckStatus::pass : CheckStatus::fail;
    count.detail = fmt::format("{} requested, {} tested", options.expect->count, chosen.size());
    report.checks.push_back(std::move(count));
  }
  if (chosen.size() > 1)
    for (CheckResult& check : test_peers(backend, chosen, options.level)) report.checks.push_back(std::move(check));

  CheckStatus worst = CheckStatus::skip;
  for (const DeviceReport& device : report.devices) worst = worse(worst, device.status);
  for (const CheckResult& check : report.checks) worst = worse(worst, check.status);
  report.status = worst == CheckStatus::fail ? ReportStatus::fail
                  : worst == CheckStatus::warn ? ReportStatus::warn
                                               : ReportStatus::pass;
  report.reason = first_failure(report);
  report.duration_s = seconds_since(start);
  return report;
}

} // namespace gpurun::kernels
