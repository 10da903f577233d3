#pragma once
// Where the embedded control plane keeps its state on this machine, shared by `gpurun serve`
// (which writes there) and the CLI (which finds and starts the local server from there).
//
// $XDG_STATE_HOME/gpurun, else ~/.local/state/gpurun. Inside: state.db (SQLite), token (the
// bearer token, mode 0600), endpoint (the URL the running server listens on), server.pid, server.log,
// runs/<id>/ (each run's stdout, stderr and exit status).

#include <string>

namespace gpurun::core {

// The default state folder. Throws gpurun::Error when neither XDG_STATE_HOME nor HOME is set.
std::string default_state_dir();

std::string token_path(const std::string& state_dir);
std::string endpoint_path(const std::string& state_dir);
std::string pid_path(const std::string& state_dir);  // the running server's pid
std::string lock_path(const std::string& state_dir); // flock'd by the server for its life
std::string log_path(const std::string& state_dir);  // the output of a server the CLI started

// Reads a small text file with surrounding white space trimmed; "" when it is missing.
std::string read_trimmed(const std::string& path);

// Writes `text` to `path` atomically (a temporary file renamed over it) with the given mode.
// Throws gpurun::Error on failure.
void write_file_atomic(const std::string& path, const std::string& text, unsigned mode);

} // namespace gpurun::core
