#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/error.hpp"
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

namespace {

// A stand-in for podman that logs its arguments: `image exists` says no, `build` writes an image
// ID (or fails at step 2 when FAIL exists beside it), `tag` succeeds.
struct FakePodman {
  std::filesystem::path dir;
  FakePodman() {
    std::string pattern = (std::filesystem::temp_directory_path() / "gpurun-test-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    dir = pattern;
    std::ofstream(dir / "podman") << "#!/bin/sh\n"
                                     "d=$(dirname \"$0\")\n"
                                     "while [ \"${1#--}\" != \"$1\" ]; do shift 2; done\n" // --root X ...
                                     "echo \"$*\" >> \"$d/log\"\n"
                                     "case \"$1 $2\" in 'image exists') exit 1 ;; esac\n"
                                     "if [ \"$1\" = build ]; then\n"
                                     "  while [ \"$1\" != --iidfile ]; do shift; done\n"
                                     "  echo 'STEP 1/3: FROM localhost/busybox:1'\n"
                                     "  if [ -e \"$d/FAIL\" ]; then echo 'STEP 2/3: RUN false'; echo 'Error: boom' >&2; exit 1; fi\n"
                                     "  echo sha256:1234 > \"$2\"\n"
                                     "fi\n"
                                     "exit 0\n";
    std::filesystem::permissions(dir / "podman", std::filesystem::perms::owner_all);
  }
  ~FakePodman() { std::filesystem::remove_all(dir); }
  std::string log() const {
    std::ifstream in(dir / "log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
};

} // namespace

TEST_SUITE("ImageBuilder") {
  TEST_CASE("The tag is set only after a successful build") {
    FakePodman fake;
    PodmanConfig config;
    config.program = (fake.dir / "podman").string();
    config.runroot = fake.dir.string(); // the build lock goes there
    ImageBuilder builder(config);
    core::ImageSpec image;
    image.base = "localhost/busybox:1";
    image.run = {"false"};
    std::string tag = core::render_image(image).tag;

    std::ofstream(fake.dir / "FAIL") << "";
    std::vector<std::string> lines;
    CHECK_THROWS_WITH_AS(builder.ensure(image, [&](std::string_view l) { lines.emplace_back(l); }),
                         ("building image " + tag + " failed at step 2/3 (run[0]: RUN false): boom").c_str(), Error);
    CHECK(lines == std::vector<std::string>{"STEP 1/3: FROM localhost/busybox:1", "STEP 2/3: RUN false", "Error: boom"});
    CHECK(fake.log().find("tag ") == std::string::npos);

    std::filesystem::remove(fake.dir / "FAIL");
    BuildResult result = builder.ensure(image);
    CHECK(result.built);
    CHECK(result.tag == tag);
    CHECK(fake.log().find("tag sha256:1234 " + tag + "\n") != std::string::npos);
    CHECK(std::filesystem::exists(fake.dir / "gpurun-locks"));
  }
}
