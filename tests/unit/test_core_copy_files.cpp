#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "core/copy_files.hpp"
#include "core/manifest_json.hpp"
#include "core/manifest_loader.hpp"
#include "server_fakes.hpp"

using namespace gpurun;
using namespace gpurun::core;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> paths(const std::vector<CopyFile>& files) {
  std::vector<std::string> out;
  for (const CopyFile& file : files) out.push_back(file.path);
  return out;
}

} // namespace

TEST_SUITE("CopyFiles") {
  TEST_CASE("A folder lists every file under it, sorted by path in byte order, empty folders left out") {
    testing::TempDir dir;
    testing::write_file(dir.path / "app/a/b", "1");
    testing::write_file(dir.path / "app/a-c", "22");
    testing::write_file(dir.path / "app/Z", "");
    fs::create_directories(dir.path / "app/empty/deeper");
    std::vector<CopyFile> files = list_files(dir / "app", "copy[0] (app)");
    CHECK(paths(files) == std::vector<std::string>{"Z", "a-c", "a/b"});
    CHECK(files[1].size == 2);
    CHECK(files[1].sha256 == sha256_hex("22"));
    CHECK(files[0].sha256 == sha256_hex(""));
    CHECK_FALSE(files[0].executable);
  }

  TEST_CASE("A file lists itself as '.', with its executable bit") {
    testing::TempDir dir;
    testing::write_file(dir.path / "run.sh", "#!/bin/sh\n");
    fs::permissions(dir.path / "run.sh", fs::perms::owner_exec, fs::perm_options::add);
    std::vector<CopyFile> files = list_files(dir / "run.sh", "copy[0] (run.sh)");
    REQUIRE(files.size() == 1);
    CHECK(files[0].path == ".");
    CHECK(files[0].executable);
    CHECK(files[0].size == 10);
  }

  TEST_CASE("Symbolic links are followed, to files and to folders, wherever they point") {
    testing::TempDir dir;
    testing::write_file(dir.path / "outside/data.bin", "bytes");
    testing::write_file(dir.path / "app/real.txt", "x");
    fs::create_symlink(dir.path / "outside", dir.path / "app/linked");
    fs::create_symlink("real.txt", dir.path / "app/alias.txt");
    std::vector<CopyFile> files = list_files(dir / "app", "copy[0] (app)");
    CHECK(paths(files) == std::vector<std::string>{"alias.txt", "linked/data.bin", "real.txt"});
    CHECK(files[0].sha256 == files[2].sha256);
    CHECK(files[1].sha256 == sha256_hex("bytes"));
  }

  TEST_CASE("A dangling link, a loop, a FIFO or a missing source is an error naming the step") {
    testing::TempDir dir;
    fs::create_directories(dir.path / "app");
    fs::create_symlink("nothing", dir.path / "app/dangling");
    CHECK_THROWS_WITH_AS(list_files(dir / "app", "copy[0] (app)"),
                         ("copy[0] (app): '" + dir / "app" + "/dangling' is a symbolic link to 'nothing', which does not exist").c_str(),
                         Error);
    fs::remove(dir.path / "app/dangling");
    fs::create_symlink(".", dir.path / "app/self");
    CHECK_THROWS_WITH_AS(list_files(dir / "app", "copy[0] (app)"),
                         ("copy[0] (app): '" + dir / "app" + "/self' is a folder that contains itself through a symbolic link (a loop)").c_str(),
                         Error);
    fs::remove(dir.path / "app/self");
    REQUIRE(::mkfifo((dir / "app/pipe").c_str(), 0600) == 0);
    CHECK_THROWS_WITH_AS(list_files(dir / "app", "copy[0] (app)"),
                         ("copy[0] (app): '" + dir / "app" + "/pipe' is neither a file nor a folder; gpurun copies only those").c_str(),
                         Error);
    CHECK_THROWS_WITH_AS(list_files(dir / "nothing.txt", "copy[1] (nothing.txt)"),
                         ("copy[1] (nothing.txt): '" + dir / "nothing.txt" + "' does not exist").c_str(), Error);
  }

  TEST_CASE("Only the images functions use are listed, each once, and the lists change the version") {
    testing::TempDir dir;
    testing::write_file(dir.path / "data.txt", "v1");
    testing::write_file(dir.path / "app.yaml", "app: a\n"
                                 "images:\n"
                                 "  used: {base: localhost/b:1, copy: [{src: data.txt, dst: /d}]}\n"
                                 "  unused: {base: localhost/b:1, copy: [{src: missing, dst: /m}]}\n"
                                 "functions:\n"
                                 "  f: {command: [cat, /d], image: used}\n"
                                 "  g: {command: [cat, /d], image: used}\n"
                                 "  h: {command: [cat, /e], image: {base: localhost/b:1, copy: [{src: data.txt, dst: /e}]}}\n");
    ManifestLoad load = load_manifests({dir / "app.yaml"});
    REQUIRE(load.manifest);
    Manifest manifest = *load.manifest;
    const std::string unlisted = manifest_version(manifest);
    std::vector<std::string> visited;
    for_each_image_in_use(manifest, [&](ImageSpec&, const std::string& where) { visited.push_back(where); });
    CHECK(visited == std::vector<std::string>{"functions.h.image", "images.used"});
    list_copy_files(manifest);
    CHECK(manifest.images["used"].copy[0].files->size() == 1);
    CHECK_FALSE(manifest.images["unused"].copy[0].files.has_value());
    const std::string v1 = manifest_version(manifest);
    CHECK(v1 != unlisted);
    testing::write_file(dir.path / "data.txt", "v2");
    list_copy_files(manifest);
    CHECK(manifest_version(manifest) != v1);
  }
}
