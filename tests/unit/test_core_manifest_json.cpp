#include <doctest/doctest.h>

#include "core/manifest_json.hpp"
#include "core/manifest_loader.hpp"

using namespace gpurun::core;

TEST_SUITE("ManifestJson") {
  TEST_CASE("The canonical JSON loads back to the same manifest and version") {
    const char* yaml = R"(app: demo
image: {base: debian-slim, python: "3.11", pip: [torch]}
functions:
  f:
    gpu: [h100, "A100-40GB:2"]
    command: [python, f.py]
    timeout: 90m
    retries: {max: 2, initial_delay: 500ms}
    memory: 1Gi
    cpu: 4
    schedule: "0 6 * * *"
)";
    ManifestLoad first = load_manifest_text(yaml, "m.yaml");
    REQUIRE(first.manifest);
    std::string json = to_json(*first.manifest).dump();
    ManifestLoad second = load_manifest_text(json, "request");
    for (const auto& d : second.diagnostics) INFO(d.message);
    REQUIRE(second.manifest);
    CHECK(to_json(*second.manifest) == to_json(*first.manifest));
    CHECK(manifest_version(*second.manifest) == manifest_version(*first.manifest));
    CHECK(to_json(*first.manifest)["functions"]["f"]["gpu"] == nlohmann::json{"H100", "A100-40GB:2"});
  }

  TEST_CASE("The version changes with the content, not with formatting") {
    auto version = [](const std::string& yaml) { return manifest_version(*load_manifest_text(yaml, "m").manifest); };
    std::string a = version("app: a\nfunctions:\n  f: {command: [x], gpu: H100}\n");
    CHECK(a == version("# comment\napp: a\nfunctions:\n  f:\n    gpu: h100\n    command: [x]\n"));
    CHECK(a != version("app: a\nfunctions:\n  f: {command: [x], gpu: H100!}\n"));
    CHECK(a.size() == 64);
  }
}
