// libFuzzer target: the manifest loader (YAML text to a validated manifest, core/manifest_loader).
// Any text gives a manifest or diagnostics, never a crash; and a manifest that loads must load
// again from its canonical JSON with the same version, since that JSON is what `gpurun deploy`
// sends and what the control plane validates and hashes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/manifest_json.hpp"
#include "core/manifest_loader.hpp"
#include "fuzz_check.hpp"

using namespace gpurun;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  core::ManifestLoad load = core::load_manifest_text(text, "fuzz.yaml");
  if (!load.manifest) {
    FUZZ_CHECK(!load.diagnostics.empty()); // refused, so it must say why
    return 0;
  }
  FUZZ_CHECK(load.diagnostics.empty());
  const std::string json = core::to_json(*load.manifest).dump(2);
  core::ManifestLoad again = core::load_manifest_text(json, "fuzz.json");
  FUZZ_CHECK(again.manifest.has_value()); // valid for `gpurun validate`, so valid for the server
  FUZZ_CHECK(core::manifest_version(*again.manifest) == core::manifest_version(*load.manifest));
  return 0;
}
