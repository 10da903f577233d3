#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/containerfile.hpp"
#include "core/copy_files.hpp"
#include "core/error.hpp"
#include "core/manifest_json.hpp"
#include "core/manifest_loader.hpp"
#include "server/blob_store.hpp"
#include "server/build_context.hpp"
#include "server_fakes.hpp"

using namespace gpurun;
using namespace gpurun::server;
namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Every entry under `dir` as "path mode [content]", sorted.
std::string describe(const fs::path& dir) {
  std::vector<std::string> lines;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(dir)) {
    struct stat st {};
    REQUIRE(::lstat(entry.path().c_str(), &st) == 0);
    std::string line = entry.path().lexically_relative(dir).string() + " " + std::to_string(st.st_mode & 0777);
    if (S_ISREG(st.st_mode)) line += " [" + read(entry.path()) + "]";
    lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

// A manifest folder with a copied file, a copied folder (an executable inside) and a link.
struct Project {
  testing::TempDir dir;
  Project() {
    testing::write_file(dir.path / "config.txt", "conf");
    testing::write_file(dir.path / "app/main.sh", "echo main");
    testing::write_file(dir.path / "app/lib/util.txt", "util");
    fs::permissions(dir.path / "app/main.sh", fs::perms::owner_exec, fs::perm_options::add);
    fs::permissions(dir.path / "config.txt", fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
    fs::create_symlink("../config.txt", dir.path / "app/config-link");
    testing::write_file(dir.path / "app.yaml", "app: p\n"
                                 "image:\n"
                                 "  base: localhost/b:1\n"
                                 "  copy: [{src: config.txt, dst: /etc/app.conf}, {src: app/, dst: /app}]\n"
                                 "functions:\n"
                                 "  f: {command: [/app/main.sh]}\n");
  }
  core::Manifest listed() {
    core::ManifestLoad load = core::load_manifests({dir / "app.yaml"});
    REQUIRE(load.manifest);
    core::list_copy_files(*load.manifest);
    return *load.manifest;
  }
};

} // namespace

TEST_SUITE("BuildContext") {
  TEST_CASE("A server building from the deployed JSON and its blobs gets the local tag and the same folder") {
    Project project;
    core::Manifest local = project.listed();
    // What the server has: the manifest as the deploy's JSON, validated by the same loader, and
    // the files as blobs.
    core::ManifestLoad deployed = core::load_manifest_text(core::to_json(local).dump(2), "p.json");
    REQUIRE(deployed.manifest);
    testing::TempDir state;
    BlobStore blobs(state / "blobs", 1 << 20);
    for (const core::CopyStep& step : local.default_image->copy)
      for (const core::CopyFile& file : *step.files) {
        fs::path from = fs::path(project.dir / step.src);
        if (file.path != ".") from /= file.path;
        const std::string bytes = read(from);
        REQUIRE(blobs.put(file.sha256, [&](const BodySink& sink) { return sink(bytes); }).outcome != BlobPut::Outcome::hash_mismatch);
      }
    CHECK(core::render_image(deployed.manifest->default_image.value()).tag == core::render_image(*local.default_image).tag);

    fs::create_directories(state.path / "local");
    fs::create_directories(state.path / "server");
    write_build_context(*local.default_image, "", state / "local");
    write_build_context(*deployed.manifest->default_image, blobs.dir(), state / "server");
    const std::string expected = "app 493\n"
                                 "app/config-link 420 [conf]\n"
                                 "app/lib 493\n"
                                 "app/lib/util.txt 420 [util]\n"
                                 "app/main.sh 493 [echo main]\n"
                                 "config.txt 420 [conf]\n";
    CHECK(describe(state.path / "local") == expected);
    CHECK(describe(state.path / "server") == expected);
  }

  TEST_CASE("A file changed after it was listed, a missing or damaged blob is an error naming the step") {
    Project project;
    core::Manifest local = project.listed();
    testing::write_file(project.dir.path / "app/lib/util.txt", "changed");
    testing::TempDir out;
    CHECK_THROWS_WITH_AS(write_build_context(*local.default_image, "", out.path.string()),
                         ("copy[1] (app/): '" + project.dir / "app/" + "lib/util.txt' changed since it was listed; build again").c_str(),
                         Error);
    testing::TempDir blobs;
    const core::CopyFile& conf = local.default_image->copy[0].files->front();
    core::ImageSpec only_conf = *local.default_image;
    only_conf.copy.resize(1);
    testing::TempDir out2;
    CHECK_THROWS_WITH_AS(write_build_context(only_conf, blobs.path.string(), out2.path.string()),
                         ("copy[0] (config.txt): '.': blob " + conf.sha256 + " is not on this server (deploying the app again uploads it)").c_str(),
                         Error);
    testing::write_file(blobs.path / conf.sha256, "damaged");
    testing::TempDir out3;
    CHECK_THROWS_WITH_AS(write_build_context(only_conf, blobs.path.string(), out3.path.string()),
                         ("copy[0] (config.txt): blob " + conf.sha256 + " is damaged: its bytes hash to " +
                          core::sha256_hex("damaged")).c_str(),
                         Error);
  }

  TEST_CASE("Paths that could leave the context, and steps that disagree, are refused") {
    testing::TempDir blobs, out;
    const std::string sha = core::sha256_hex("x");
    testing::write_file(blobs.path / sha, "x");
    auto image_with = [&](std::vector<core::CopyStep> copy) {
      core::ImageSpec image;
      image.base = "localhost/b:1";
      image.copy = std::move(copy);
      return image;
    };
    auto files = [&](const std::string& path) { return std::vector<core::CopyFile>{{path, false, sha, 1}}; };
    CHECK_THROWS_WITH_AS(write_build_context(image_with({{"app", "/a", files("../../etc/x")}}), blobs.path.string(), out / ""),
                         "copy[0] (app): '../../etc/x': the path must not contain '..'", Error);
    CHECK_THROWS_WITH_AS(write_build_context(image_with({{"app", "/a", files("/etc/x")}}), blobs.path.string(), out / ""),
                         "copy[0] (app): '/etc/x': the path must be relative", Error);
    CHECK_THROWS_WITH_AS(write_build_context(image_with({{"../up", "/a", files("x")}}), blobs.path.string(), out / ""),
                         "copy[0] (../up): src must be a relative path inside the manifest's folder", Error);
    CHECK_THROWS_WITH_AS(write_build_context(image_with({{".", "/a", files(".")}}), blobs.path.string(), out / ""),
                         "copy[0] (.): path '.' names a file, but src '.' is the whole folder", Error);
    CHECK_THROWS_WITH_AS(write_build_context(image_with({{"app", "/a"}}), blobs.path.string(), out / ""),
                         "copy[0] (app): its files are not listed", Error);
    testing::TempDir clash;
    CHECK_THROWS_WITH_AS(
        write_build_context(image_with({{"app", "/a", files("x")}, {"app/x", "/b", files("y")}}), blobs.path.string(), clash / ""),
        "copy[1] (app/x): cannot create the folder 'app/x': a file of another step is in the way", Error);
    testing::TempDir same;
    write_build_context(image_with({{"app", "/a", files("x")}, {"app/x", "/b", files(".")}, {"empty", "/e", std::vector<core::CopyFile>{}}}),
                        blobs.path.string(), same / "");
    CHECK(describe(same.path) == "app 493\napp/x 420 [x]\nempty 493\n");
  }
}
