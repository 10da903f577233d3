#pragma once
// JSON forms of core types. A manifest's JSON has exactly the shape of the YAML format (JSON is
// YAML), so the control plane validates a deployed manifest with the same loader and messages,
// and the canonical form (sorted keys, defaults spelled out) is what a version hash covers.

#include <nlohmann/json.hpp>
#include <string>

#include "core/error.hpp"
#include "core/manifest.hpp"
#include "core/resolver.hpp"

namespace gpurun::core {

nlohmann::json to_json(const Manifest& manifest);
nlohmann::json to_json(const Function& function);
nlohmann::json to_json(const ImageSpec& image);
// The content version of a manifest: SHA-256 of its canonical JSON, in hex.
std::string manifest_version(const Manifest& manifest);
std::string sha256_hex(std::string_view data);

nlohmann::json to_json(const Diagnostic& diagnostic);
nlohmann::json to_json(const Placement& placement);
nlohmann::json to_json(const Resolution& resolution); // {"placement": ..., "candidates": [...]}

} // namespace gpurun::core
