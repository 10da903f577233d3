#include <doctest/doctest.h>

#include "core/copy_steps.hpp"
#include "core/manifest_json.hpp"
#include "core/manifest_loader.hpp"

using namespace gpurun;
using namespace gpurun::core;

namespace {

const std::string k_sha = std::string(64, 'a');

// The manifest of one image whose copy step is `copy` (YAML flow), loaded as the server loads a deploy.
ManifestLoad load_copy(const std::string& copy) {
  return load_manifest_text("app: a\nimage:\n  base: localhost/b:1\n  copy: [" + copy + "]\nfunctions:\n  f: {command: [x]}\n", "m.yaml");
}

std::string first_error(const std::string& copy) {
  ManifestLoad load = load_copy(copy);
  return load.diagnostics.empty() ? "" : load.diagnostics.front().message;
}

std::string file(const std::string& path, const std::string& mode = "\"0644\"", const std::string& sha = k_sha) {
  return "{path: \"" + path + "\", mode: " + mode + ", sha256: " + sha + ", size: 1}";
}

} // namespace

TEST_SUITE("CopySteps") {
  TEST_CASE("A listed file's path is plain and relative") {
    CHECK(copy_path_error("a/b.txt") == "");
    CHECK(copy_path_error("a b/.hidden/c") == "");
    CHECK(copy_path_error("") == "is empty");
    CHECK(copy_path_error("/etc/passwd") == "must be relative");
    CHECK(copy_path_error("a/../../etc") == "must not contain '..'");
    CHECK(copy_path_error("..") == "must not contain '..'");
    CHECK(copy_path_error("./a") == "must not contain '.'");
    CHECK(copy_path_error("a//b") == "has an empty component");
    CHECK(copy_path_error("a/") == "has an empty component");
    CHECK(copy_path_error(std::string("a\0b", 3)) == "contains a NUL byte");
    CHECK(copy_path_error("caf\xc3\xa9") == "");
    CHECK(copy_path_error("caf\xe9") == "is not valid UTF-8");
    CHECK(copy_path_error("\xc0\xaf") == "is not valid UTF-8"); // an overlong '/'
    CHECK(copy_path_error(std::string(256, 'x')) == "has a component longer than 255 bytes");
    std::string deep;
    for (int i = 0; i < 1000; ++i) deep += "abcd/";
    CHECK(copy_path_error(deep + "x") == "is longer than 4096 bytes");
  }

  TEST_CASE("A source stays inside the manifest's folder") {
    CHECK(copy_src_error("app/") == "");
    CHECK(copy_src_error(".") == "");
    CHECK(copy_src_error("../x") == "src must be a relative path inside the manifest's folder");
    CHECK(copy_src_error("/x") == "src must be a relative path inside the manifest's folder");
    CHECK(copy_src_error(std::string("a\0", 2)) == "src must not contain a NUL byte");
  }

  TEST_CASE("Listed files load and survive the canonical JSON") {
    ManifestLoad load = load_copy("{src: app, dst: /app, files: [" + file("a.py") + ", " + file("bin/run", "\"0755\"") + "]}");
    REQUIRE(load.manifest);
    const CopyStep& step = load.manifest->default_image->copy.at(0);
    REQUIRE(step.files.has_value());
    REQUIRE(step.files->size() == 2);
    CHECK_FALSE(step.files->at(0).executable);
    CHECK(step.files->at(1).executable);
    CHECK(step.files->at(1).path == "bin/run");
    CHECK(to_json(*load.manifest)["image"]["copy"][0]["files"][1] ==
          nlohmann::json{{"path", "bin/run"}, {"mode", "0755"}, {"sha256", k_sha}, {"size", 1}});
    ManifestLoad again = load_manifest_text(to_json(*load.manifest).dump(2), "m.json");
    REQUIRE(again.manifest);
    CHECK(manifest_version(*again.manifest) == manifest_version(*load.manifest));

    ManifestLoad empty = load_copy("{src: empty, dst: /e, files: []}");
    REQUIRE(empty.manifest);
    CHECK(empty.manifest->default_image->copy.at(0).files->empty());
    ManifestLoad unlisted = load_copy("{src: app, dst: /app}");
    REQUIRE(unlisted.manifest);
    CHECK_FALSE(unlisted.manifest->default_image->copy.at(0).files.has_value());
  }

  TEST_CASE("A bad list of files is refused with the reason") {
    CHECK(first_error("{src: app, dst: /app, files: [" + file("../x") + "]}") == "image.copy.files.path must not contain '..'");
    CHECK(first_error("{src: app, dst: /app, files: [" + file("/etc/x") + "]}") == "image.copy.files.path must be relative");
    CHECK(first_error("{src: app, dst: /app, files: [" + file("a\\0b") + "]}") == "image.copy.files.path contains a NUL byte");
    CHECK(first_error("{src: app, dst: /app, files: [" + file("a", "\"0600\"") + "]}") ==
          "image.copy.files.mode must be 0644 or 0755 (only the executable bit is kept), got '0600'");
    CHECK(first_error("{src: app, dst: /app, files: [" + file("a", "\"0644\"", "ABC") + "]}") ==
          "image.copy.files.sha256 must be 64 lower-case hex digits");
    CHECK(first_error("{src: app, dst: /app, files: [" + file("b") + ", " + file("a") + "]}") ==
          "image.copy.files must be sorted by path without repeats; 'a' comes after 'b'");
    CHECK(first_error("{src: app, dst: /app, files: [" + file("a") + ", " + file("a") + "]}") ==
          "image.copy.files must be sorted by path without repeats; 'a' comes after 'a'");
    CHECK(first_error("{src: app, dst: /app, files: [" + file(".") + ", " + file("a") + "]}") ==
          "image.copy.files: path '.' (the source is a file) must be the only item");
    CHECK(first_error("{src: app, dst: /app, files: [{path: a, mode: \"0644\"}]}") ==
          "each item of image.copy.files needs path, mode, sha256 and size");
    CHECK(first_error("{src: app, dst: /app, files: x}") == "image.copy.files must be a list of {path, mode, sha256, size}, got 'x'");
    CHECK(first_error("{src: \"a\\0\", dst: /app}") == "image.copy: src must not contain a NUL byte");
  }
}
