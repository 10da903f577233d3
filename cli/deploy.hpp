#pragma once
// Deploying a loaded manifest, shared by `gpurun deploy` and `gpurun run` (which deploys first).

#include <nlohmann/json.hpp>

#include "core/api_client.hpp"
#include "core/manifest.hpp"

namespace gpurun::cli {

// Lists the files the manifest's images copy, uploads those the server lacks (saying so on
// stderr) and deploys; the server's answer ({"app", "version", "changed", "functions"}).
nlohmann::json deploy_manifest(core::ApiClient& client, core::Manifest& manifest);

} // namespace gpurun::cli
