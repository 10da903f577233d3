#include <doctest/doctest.h>

#include "server/image_builder.hpp"

using namespace gpurun;
using namespace gpurun::server;

namespace {

core::RenderedImage rendered(const std::string& base, std::vector<std::string> run) {
  core::ImageSpec image;
  image.base = base;
  image.run = std::move(run);
  return core::render_image(image);
}

} // namespace

TEST_SUITE("ImageBuilder") {
  TEST_CASE("A local base is never pulled; limits and the hash label are passed") {
    PodmanConfig config;
    config.ulimits = {"nofile=20000:20000", "nproc=32768:32768"};
    core::RenderedImage r = rendered("localhost/busybox:1", {"true"});
    std::vector<std::string> args = build_arguments(config, r, "/t/Containerfile", "/t/ignore", "/t/iid", "/t/ctx");
    CHECK(args == std::vector<std::string>{"build", "--pull=never", "--layers", "--force-rm", "--network=host",
                                           "--label", "io.gpurun.image=" + r.hash, "--iidfile", "/t/iid",
                                           "--ignorefile", "/t/ignore", "-f", "/t/Containerfile",
                                           "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768", "/t/ctx"});
    CHECK(build_arguments(config, rendered("nvcr.io/nvidia/pytorch:24.05-py3", {}), "c", "i", "d", "x")[1] == "--pull=missing");
  }

  TEST_CASE("A failed build names its step and the spec field it came from") {
    core::RenderedImage r = rendered("localhost/busybox:1", {"echo one", "exit 3"});
    CHECK(failed_step(r, "STEP 3/3: RUN exit 3") == "step 3/3 (run[1]: RUN exit 3)");
    CHECK(failed_step(r, "STEP 4/4: LABEL x") == "step 4/4");
    CHECK(failed_step(r, "") == "");
  }
}
