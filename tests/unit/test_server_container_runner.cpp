#include <doctest/doctest.h>

#include <filesystem>

#include "core/containerfile.hpp"
#include "core/error.hpp"
#include "server/container_runner.hpp"

using namespace gpurun;
using namespace gpurun::server;
namespace fs = std::filesystem;

TEST_SUITE("ContainerRunner") {
  TEST_CASE("podman run passes env by name and GPUs as CDI devices numbered from 0 inside") {
    PodmanConfig config;
    config.runtime = "runc";
    config.ulimits = {"nofile=20000:20000"};
    ContainerLaunch launch;
    launch.name = "gpurun-r1-2";
    launch.gpus = {3, 5};
    launch.env_names = {"CUDA_VISIBLE_DEVICES", "SECRET"};
    launch.command = {"python", "train.py"};
    CHECK(podman_run_argv(config, launch, "localhost/gpurun-image:abc") ==
          std::vector<std::string>{"podman", "--runtime", "runc", "run", "--rm", "--init", "--name", "gpurun-r1-2",
                                   "--pull=never", "--network=host", "--ulimit", "nofile=20000:20000",
                                   "-e", "SECRET", "-e", "CUDA_VISIBLE_DEVICES=0,1",
                                   "--device", "nvidia.com/gpu=3", "--device", "nvidia.com/gpu=5",
                                   "localhost/gpurun-image:abc", "python", "train.py"});
  }

  TEST_CASE("Container names are unique per attempt and safe for podman") {
    CHECK(container_name("r-0123abcd", 2) == "gpurun-r-0123abcd-2");
    CHECK(container_name("a/b c", 1) == "gpurun-a_b_c-1");
  }

  TEST_CASE("A launch survives its JSON file, the copied files and the blob folder included") {
    ContainerLaunch launch;
    launch.name = "gpurun-x-1";
    launch.image.base = "localhost/busybox:1";
    launch.image.env = {{"X", "1"}};
    launch.image.run = {"true"};
    launch.image.workdir = "/w";
    launch.image.copy = {{"a", "/a", std::vector<core::CopyFile>{{"x/run.sh", true, std::string(64, 'e'), 12}}}};
    launch.blob_dir = "/state/blobs";
    launch.env_names = {"X"};
    launch.command = {"sh", "-c", "echo $X"};
    ContainerLaunch back = container_launch_from_json(to_json(launch));
    CHECK(back.name == launch.name);
    CHECK(back.image.base == launch.image.base);
    CHECK(back.image.env == launch.image.env);
    CHECK(back.image.workdir == launch.image.workdir);
    REQUIRE(back.image.copy.size() == 1);
    REQUIRE(back.image.copy[0].files.has_value());
    REQUIRE(back.image.copy[0].files->size() == 1);
    const core::CopyFile& file = back.image.copy[0].files->front();
    CHECK(file.path == "x/run.sh");
    CHECK(file.executable);
    CHECK(file.sha256 == std::string(64, 'e'));
    CHECK(file.size == 12);
    CHECK(core::render_image(back.image).tag == core::render_image(launch.image).tag);
    CHECK(back.blob_dir == "/state/blobs");
    CHECK(back.command == launch.command);
    CHECK_THROWS_AS(container_launch_from_json(nlohmann::json::object()), Error);
  }

  TEST_CASE("GPUs in a container need the NVIDIA toolkit's CDI specification") {
    std::string pattern = (fs::temp_directory_path() / "gpurun-test-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    PodmanConfig config;
    config.program = "sh"; // any installed program: the check for podman itself passes
    config.cdi_dirs = {pattern};
    PodmanRunner runner(config, "/usr/bin/gpurun");
    RunLaunch launch;
    launch.run_id = "r1";
    launch.image.base = "localhost/busybox:1";
    launch.command = {"true"};
    launch.stdout_path = pattern + "/stdout";
    CHECK_THROWS_WITH_AS(runner.command(launch, {0}),
                         ("the function needs 1 GPU inside a container, but the NVIDIA container toolkit's CDI "
                          "specification is not installed (" + pattern + "); install nvidia-container-toolkit and run "
                          "`nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml`, or use base: host").c_str(),
                         Error);
    CHECK(runner.command(launch, {}) ==
          std::vector<std::string>{"/usr/bin/gpurun", "image", "run-container", pattern + "/attempt-1.container.json"});
    CHECK(fs::exists(pattern + "/attempt-1.container.json"));
    fs::remove_all(pattern);
  }
}
