#pragma once
// The JSON form of a smoke report: what `gpurun smoke --output json` prints and what the control
// plane stores. docs/smoke.md shows an example; tests pin the shape.

#include <nlohmann/json.hpp>

#include "kernels/smoke.hpp"

namespace gpurun::kernels {

nlohmann::json to_json(const CheckResult& check);
nlohmann::json to_json(const DeviceReport& device);
nlohmann::json to_json(const SmokeReport& report);

} // namespace gpurun::kernels
