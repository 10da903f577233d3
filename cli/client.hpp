#pragma once
// Finding the control plane: the endpoint and token the settings give (flag, GPURUN_*, profile:
// docs/config.md); with none, the local default, whose endpoint and token files live in the
// state folder (GPURUN_STATE, else $XDG_STATE_HOME/gpurun or ~/.local/state/gpurun). When the
// local server is not running, it is started in the background (`gpurun serve --listen
// 127.0.0.1:0`, log in server.log) and waited for, the way other tools start their local API
// server on first use.

#include <string>

#include "cli/settings.hpp"
#include "core/api_client.hpp"

namespace gpurun::cli {

// Whether a command says which control plane it acts on: those that change something do.
enum class Announce { no, yes };

// The configuration of a working connection. With Announce::yes, prints
// `gpurun: using URL (profile NAME)` on stderr first. Throws gpurun::Error: invalid for bad
// settings, unreachable when the local server cannot be started.
core::ApiConfig connect_config(Settings& settings, Announce announce = Announce::no);


} // namespace gpurun::cli
