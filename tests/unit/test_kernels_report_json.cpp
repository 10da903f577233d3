#include <doctest/doctest.h>

#include <cmath>

#include "kernels/fake_backend.hpp"
#include "kernels/report_json.hpp"
#include "spec_helpers.hpp"

using namespace gpurun;
using namespace gpurun::kernels;

TEST_SUITE("ReportJson") {
  TEST_CASE("The report carries versions, every device and every check's fields") {
    FakeBackend backend({FakeBackend::h200(0), FakeBackend::h200(1)});
    SmokeOptions options;
    options.expect = testing::spec("H100:2");
    nlohmann::json j = to_json(run_smoke(backend, options));
    CHECK(j["status"] == "pass");
    CHECK(j["reason"].is_null());
    CHECK(j["level"] == "quick");
    CHECK(j["expect"] == "H100:2");
    CHECK(j["driver_version"] == "580.159.04");
    CHECK(j["cuda_driver_version"] == "13.0");
    CHECK(j["runtime_version"] == "13.0");
    REQUIRE(j["devices"].size() == 2);
    const nlohmann::json& d = j["devices"][1];
    CHECK(d["index"] == 1);
    CHECK(d["name"] == "NVIDIA H200");
    CHECK(d["type"] == "H200");
    CHECK(d["fit"] == "upgrade");
    CHECK(d["pci_device_id"] == "0x2335");
    CHECK(d["pci_bus_id"] == "0000:19:00.0");
    CHECK(d["compute_capability"] == "9.0");
    CHECK(d["sm_count"] == 132);
    CHECK(d["memory_bytes"] == 143771ull << 20);
    CHECK(d["status"] == "pass");
    for (const nlohmann::json& check : d["checks"]) {
      INFO(check.dump());
      for (const char* key : {"name", "status", "value", "unit", "catalog", "ratio", "threshold", "duration_s", "detail"})
        CHECK(check.contains(key));
    }
    const nlohmann::json& copy = d["checks"][7];
    CHECK(copy["name"] == "bandwidth_copy");
    CHECK(copy["unit"] == "GB/s");
    CHECK(copy["value"] == 4250.0);
    CHECK(copy["catalog"] == 4800.0);
    CHECK(copy["threshold"] == nlohmann::json{{"warn_below", 0.75}, {"fail_below", 0.5}});
    const nlohmann::json& known = d["checks"][11];
    CHECK(known["name"] == "gemm_known_answer");
    CHECK(known["value"].is_null());
    CHECK(known["threshold"].is_null());
    REQUIRE(j["checks"].size() == 3);
    CHECK(j["checks"][0]["name"] == "gpu_count");
    CHECK(j["checks"][1]["name"] == "peer_copy_0_1");
  }

  TEST_CASE("No device: status, reason and empty lists; unknowns are null") {
    FakeBackend backend(std::string("this build has no CUDA support"));
    nlohmann::json j = to_json(run_smoke(backend, SmokeOptions{}));
    CHECK(j["status"] == "no_device");
    CHECK(j["reason"] == "this build has no CUDA support");
    CHECK(j["devices"] == nlohmann::json::array());
    CHECK(j["checks"] == nlohmann::json::array());
    CHECK(j["driver_version"].is_null());
    CHECK(j["expect"].is_null());
  }

  TEST_CASE("A NaN or infinite measurement is written as null, keeping the JSON valid") {
    CheckResult check;
    check.name = "bandwidth_copy";
    check.value = std::nan("");
    check.ratio = INFINITY;
    nlohmann::json j = to_json(check);
    CHECK(j["value"].is_null());
    CHECK(j["ratio"].is_null());
    CHECK(nlohmann::json::parse(j.dump()).is_object());
  }
}
