#include <doctest/doctest.h>

#include "core/error.hpp"
#include "kernels/fake_backend.hpp"
#include "kernels/smoke.hpp"
#include "spec_helpers.hpp"

using namespace gpurun;
using namespace gpurun::kernels;
using gpurun::testing::spec;

namespace {

const CheckResult& check_named(const DeviceReport& device, const std::string& name) {
  for (const CheckResult& c : device.checks)
    if (c.name == name) return c;
  FAIL("no check " << name);
  return device.checks.front();
}

SmokeReport smoke(FakeBackend& backend, const char* expect = nullptr, std::vector<int> devices = {}) {
  SmokeOptions options;
  if (expect) options.expect = spec(expect);
  options.devices = std::move(devices);
  return run_smoke(backend, options);
}

} // namespace

TEST_SUITE("Smoke") {
  TEST_CASE("A healthy H200 passes every check, in the documented order") {
    FakeBackend backend({FakeBackend::h200()});
    SmokeReport report = smoke(backend);
    CHECK(report.status == ReportStatus::pass);
    CHECK(report.reason.empty());
    REQUIRE(report.devices.size() == 1);
    const DeviceReport& d = report.devices[0];
    CHECK(d.type == "H200");
    CHECK_FALSE(d.fit);
    std::vector<std::string> names;
    for (const CheckResult& c : d.checks) {
      names.push_back(c.name);
      INFO(c.name << ": " << c.detail);
      CHECK(c.status == CheckStatus::pass);
    }
    CHECK(names == std::vector<std::string>{"identity", "memory_size", "ecc", "row_remapping", "clock_events",
                                            "pcie_link", "memory_pattern", "bandwidth_copy", "bandwidth_triad",
                                            "fp32_fma", "gemm_bf16", "gemm_known_answer", "host_to_device",
                                            "device_to_host"});
    const CheckResult& copy = check_named(d, "bandwidth_copy");
    CHECK(*copy.catalog == 4800);
    CHECK(*copy.ratio == doctest::Approx(4250.0 / 4800));
    REQUIRE(copy.threshold);
    CHECK(copy.threshold->fail_below == doctest::Approx(0.5));
    CHECK(check_named(d, "fp32_fma").detail ==
          "SM clock 1980 MHz; 0.971 of SMs x 128 lanes x 2 x clock (66.9 TFLOP/s)");
    CHECK(check_named(d, "identity").detail ==
          "NVIDIA H200, 132 SMs, compute capability 9.0, 140.4 GiB, PCI device 0x2335 = H200");
  }

  TEST_CASE("Expectations: exact, an allowed upgrade, a forbidden upgrade, a wrong type") {
    FakeBackend backend({FakeBackend::h200()});
    SmokeReport exact = smoke(backend, "H200");
    CHECK(exact.status == ReportStatus::pass);
    CHECK(*exact.devices[0].fit == gpu_spec::Fit::exact);

    SmokeReport upgrade = smoke(backend, "H100");
    CHECK(upgrade.status == ReportStatus::pass);
    CHECK(*upgrade.devices[0].fit == gpu_spec::Fit::upgrade);
    CHECK(check_named(upgrade.devices[0], "identity").detail.ends_with("; expected H100: upgrade"));

    SmokeReport forbidden = smoke(backend, "H100!");
    CHECK(forbidden.status == ReportStatus::fail);
    CHECK(*forbidden.devices[0].fit == gpu_spec::Fit::no);
    CHECK(check_named(forbidden.devices[0], "identity").detail.ends_with(
        "; expected H100!: no (H200 would be an upgrade, which '!' forbids)"));
    CHECK(forbidden.reason.starts_with("device 0: identity: NVIDIA H200"));

    SmokeReport wrong = smoke(backend, "A100");
    CHECK(wrong.status == ReportStatus::fail);
    CHECK(check_named(wrong.devices[0], "identity").detail.ends_with("; expected A100: no"));
  }

  TEST_CASE("Too few GPUs for the expectation fail the gpu_count check") {
    FakeBackend backend({FakeBackend::h200(0), FakeBackend::h200(1)});
    SmokeReport report = smoke(backend, "H200:4");
    CHECK(report.status == ReportStatus::fail);
    REQUIRE(report.checks.size() == 3);
    CHECK(report.checks[0].name == "gpu_count");
    CHECK(report.checks[0].status == CheckStatus::fail);
    CHECK(report.checks[0].detail == "4 requested, 2 tested");
    CHECK(report.reason == "gpu_count: 4 requested, 2 tested");
  }

  TEST_CASE("Several GPUs get a peer copy check each way") {
    FakeBackend backend({FakeBackend::h200(0), FakeBackend::h200(1)});
    PeerResult no_access;
    no_access.gbps = 20;
    no_access.data_ok = true;
    backend.set_peer(1, 0, no_access);
    SmokeReport report = smoke(backend);
    REQUIRE(report.checks.size() == 2);
    CHECK(report.checks[0].name == "peer_copy_0_1");
    CHECK(report.checks[0].status == CheckStatus::pass);
    CHECK(*report.checks[0].value == 390);
    CHECK(report.checks[1].name == "peer_copy_1_0");
    CHECK(report.checks[1].status == CheckStatus::warn);
    CHECK(report.checks[1].detail == "no peer access: copies go through the host");
    CHECK(report.status == ReportStatus::warn);

    PeerResult corrupt;
    corrupt.access = true;
    corrupt.data_ok = false;
    backend.set_peer(0, 1, corrupt);
    CHECK(smoke(backend).status == ReportStatus::fail);
  }

  TEST_CASE("--device picks devices; an unknown ordinal is invalid input") {
    FakeBackend backend({FakeBackend::h200(0), FakeBackend::h200(1)});
    SmokeReport one = smoke(backend, nullptr, {1});
    REQUIRE(one.devices.size() == 1);
    CHECK(one.devices[0].info.index == 1);
    CHECK(one.checks.empty());
    try {
      smoke(backend, nullptr, {2});
      FAIL("expected an error");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::invalid);
      CHECK(std::string(e.what()) == "no device 2: this machine has 2 (0 to 1)");
    }
  }

  TEST_CASE("No device gives a no_device report with the backend's reason") {
    FakeBackend backend(std::string("no CUDA device: the NVIDIA driver is not installed"));
    SmokeReport report = smoke(backend, "H100");
    CHECK(report.status == ReportStatus::no_device);
    CHECK(report.reason == "no CUDA device: the NVIDIA driver is not installed");
    CHECK(report.devices.empty());
  }

  TEST_CASE("Slow bandwidth warns, then fails, against the catalog") {
    FakeBackend backend({FakeBackend::h200()});
    backend.device(0).bandwidth.copy_gbps = 3000; // 0.625 of 4800
    CHECK(check_named(smoke(backend).devices[0], "bandwidth_copy").status == CheckStatus::warn);
    backend.device(0).bandwidth.copy_gbps = 2000; // 0.42
    SmokeReport report = smoke(backend);
    CHECK(check_named(report.devices[0], "bandwidth_copy").status == CheckStatus::fail);
    CHECK(report.status == ReportStatus::fail);
  }

  TEST_CASE("A memory error, an inexact known answer or a wrong GEMM fails") {
    FakeBackend backend({FakeBackend::h200()});
    backend.device(0).memtest.errors = 2;
    backend.device(0).memtest.first_error = "word 7 read 0x00000001, expected 0x00000003";
    const CheckResult mem = check_named(smoke(backend).devices[0], "memory_pattern");
    CHECK(mem.status == CheckStatus::fail);
    CHECK(mem.detail == "66 patterns over 1.0 GiB (0.7% of free memory); word 7 read 0x00000001, expected 0x00000003");

    backend.device(0).memtest.errors = 0;
    backend.device(0).gemm.known_answer_exact = false;
    backend.device(0).gemm.known_answer_detail = "D[1][2] is 5, the exact product is 4";
    CHECK(check_named(smoke(backend).devices[0], "gemm_known_answer").status == CheckStatus::fail);

    backend.device(0).gemm.known_answer_exact = true;
    backend.device(0).gemm.sample_rel_error = 0.2;
    CHECK(check_named(smoke(backend).devices[0], "gemm_bf16").status == CheckStatus::fail);
  }

  TEST_CASE("The thorough level warns when the memory test covered under 90% of free memory") {
    FakeBackend backend({FakeBackend::h200()});
    SmokeOptions options;
    options.level = Level::thorough;
    backend.device(0).memtest.bytes_tested = 100ull << 30; // of 140 GiB
    CHECK(check_named(run_smoke(backend, options).devices[0], "memory_pattern").status == CheckStatus::warn);
    backend.device(0).memtest.bytes_tested = 130ull << 30;
    CHECK(check_named(run_smoke(backend, options).devices[0], "memory_pattern").status == CheckStatus::pass);
  }

  TEST_CASE("A measurement that throws fails its check and the others still run") {
    FakeBackend backend({FakeBackend::h200()});
    backend.device(0).throws = {"gemm"};
    SmokeReport report = smoke(backend);
    CHECK(report.status == ReportStatus::fail);
    const CheckResult& gemm = check_named(report.devices[0], "gemm_bf16");
    CHECK(gemm.status == CheckStatus::fail);
    CHECK(gemm.detail == "gemm on device 0: out of memory (fake)");
    CHECK(check_named(report.devices[0], "host_to_device").status == CheckStatus::pass);
  }

  TEST_CASE("A card outside the catalog is measured but not rated, and warns") {
    FakeDevice odd = FakeBackend::h200();
    odd.info.name = "NVIDIA Future GPU";
    odd.info.pci_device_id = 0x9999;
    FakeBackend backend({odd});
    SmokeReport report = smoke(backend);
    CHECK(report.status == ReportStatus::warn);
    CHECK(report.devices[0].type.empty());
    CHECK(check_named(report.devices[0], "identity").status == CheckStatus::warn);
    CHECK(check_named(report.devices[0], "memory_size").status == CheckStatus::skip);
    CHECK_FALSE(check_named(report.devices[0], "bandwidth_copy").ratio);
    CHECK(smoke(backend, "H200").status == ReportStatus::fail);
  }

  TEST_CASE("A card without bf16 tensor cores skips the GEMM checks") {
    FakeDevice t4 = FakeBackend::h200();
    t4.info.name = "Tesla T4";
    t4.info.pci_device_id = 0x1EB8;
    t4.info.cc_major = 7;
    t4.info.cc_minor = 5;
    t4.info.memory_bytes = 15360ull << 20;
    FakeBackend backend({t4});
    SmokeReport report = smoke(backend);
    CHECK(check_named(report.devices[0], "gemm_bf16").status == CheckStatus::skip);
    CHECK(check_named(report.devices[0], "gemm_bf16").detail == "T4 has no bf16 tensor cores");
    for (const std::string& call : backend.calls()) CHECK(call != "gemm 0");
  }

  TEST_CASE("A compute capability that contradicts the catalog fails identity") {
    FakeDevice fake = FakeBackend::h200();
    fake.info.cc_major = 8;
    FakeBackend backend({fake});
    const CheckResult id = check_named(smoke(backend).devices[0], "identity");
    CHECK(id.status == CheckStatus::fail);
    CHECK(id.detail.ends_with("but the catalog's H200 has compute capability 9.0"));
  }

  TEST_CASE("PCIe link figures after encoding") {
    CHECK(*pcie_link_gbps(5, 16) == doctest::Approx(63.015).epsilon(1e-4));
    CHECK(*pcie_link_gbps(4, 16) == doctest::Approx(31.508).epsilon(1e-4));
    CHECK(*pcie_link_gbps(2, 8) == doctest::Approx(4.0));
    CHECK_FALSE(pcie_link_gbps(0, 16));
    CHECK_FALSE(pcie_link_gbps(7, 16));
  }
}
