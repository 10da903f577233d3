#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "server/podman.hpp"

using namespace gpurun::server;
namespace fs = std::filesystem;

TEST_SUITE("Podman") {
  TEST_CASE("Storage and runtime options come first, in podman's order") {
    PodmanConfig config;
    CHECK(config.command() == std::vector<std::string>{"podman"});
    config.root = "/s/root";
    config.runroot = "/s/run";
    config.runtime = "runc";
    CHECK(config.command() == std::vector<std::string>{"podman", "--root", "/s/root", "--runroot", "/s/run", "--runtime", "runc"});
  }

  TEST_CASE("Limits are never above what this process may grant") {
    std::vector<std::string> limits = ulimits_from_getrlimit();
    REQUIRE(limits.size() == 2);
    CHECK(limits[0].rfind("nofile=", 0) == 0);
    CHECK(limits[1].rfind("nproc=", 0) == 0);
    long nproc = std::atol(limits[1].c_str() + 6);
    CHECK(nproc >= 1);
    CHECK(nproc <= 32768);
  }

  TEST_CASE("The NVIDIA toolkit is recognised by its CDI specification") {
    std::string pattern = (fs::temp_directory_path() / "gpurun-test-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    fs::path dir = pattern;
    CHECK_FALSE(has_nvidia_cdi({dir.string(), (dir / "missing").string()}));
    std::ofstream(dir / "other.yaml") << "kind: example.com/fpga\n";
    CHECK_FALSE(has_nvidia_cdi({dir.string()}));
    std::ofstream(dir / "nvidia.yaml") << "cdiVersion: 0.5.0\nkind: nvidia.com/gpu\n";
    CHECK(has_nvidia_cdi({dir.string()}));
    fs::remove_all(dir);
  }
}
