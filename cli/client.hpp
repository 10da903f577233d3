#pragma once
// Finding the control plane: GPURUN_ENDPOINT (with GPURUN_TOKEN) when set; otherwise the local
// default, whose endpoint and token files live in the state folder (GPURUN_STATE, else
// $XDG_STATE_HOME/gpurun or ~/.local/state/gpurun). When the local server is not running, it is
// started in the background (`gpurun serve --listen 127.0.0.1:0`, log in server.log) and waited
// for, the way other tools start their local API server on first use.

#include <string>

#include "core/api_client.hpp"

namespace gpurun::cli {

// The configuration of a working connection. Throws gpurun::Error (unreachable) when the local
// server cannot be started.
core::ApiConfig connect_config();

} // namespace gpurun::cli
