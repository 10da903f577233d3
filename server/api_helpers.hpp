#pragma once
// Checks shared by the API's handlers; each failure is an ApiError with its stable code.

#include <nlohmann/json.hpp>
#include <string>

#include "core/manifest.hpp"
#include "server/api.hpp"

namespace gpurun::server {

// Request bodies nest at most this deep (a manifest nests about 5 levels).
inline constexpr int k_max_json_depth = 64;

// The request body as JSON (an object unless `allow_empty` and the body is empty); 400
// invalid_json when it is not JSON, not an object or nests deeper than k_max_json_depth.
nlohmann::json parse_body(const ApiRequest& request, bool allow_empty);
// A path parameter that may be used as a name or in a file path (see is_safe_id).
const std::string& safe_param(const ApiRequest& request, const std::string& name);
// Validates a manifest given as JSON with the manifest loader; 422 invalid_manifest with every
// diagnostic otherwise. `app` is the name from the URL ("" when there is none).
core::Manifest validate_manifest(nlohmann::json body, const std::string& app);

} // namespace gpurun::server
