#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/manifest.hpp"

namespace gpurun::core {

struct ManifestLoad {
  std::optional<Manifest> manifest; // set only when there are no diagnostics
  std::vector<Diagnostic> diagnostics;
};

// Loads one deployment from several files, each of which may hold several YAML documents. Every
// problem of every file is reported (unknown keys with a did-you-mean, duplicate keys, wrong
// types, out-of-range values, bad GPU specs, conflicting documents); nothing throws.
ManifestLoad load_manifests(const std::vector<std::string>& paths);

// For checking many files at once (`gpurun validate`): files that name the same app make one
// deployment; files that name none join the only app there is. One result per deployment.
std::vector<ManifestLoad> load_manifest_groups(const std::vector<std::string>& paths);

// The same for text in memory, labelled `path` in positions (tests, stdin).
ManifestLoad load_manifest_text(std::string_view text, const std::string& path);

} // namespace gpurun::core
