#pragma once
// How gpurun calls podman on this machine. Two pitfalls of rootful podman on ordinary hosts are
// handled here once, for builds and runs alike:
// - podman asks the runtime for 1048576 open files, more than a hard limit a root without
//   CAP_SYS_RESOURCE may raise to; explicit --ulimit values from getrlimit always fit;
// - crun refuses cgroup v1/v2 "hybrid" hosts; runc runs there, so it is chosen when installed.
// Everything is overridable through GPURUN_PODMAN_* variables (tests keep their own storage).

#include <string>
#include <vector>

namespace gpurun::server {

struct PodmanConfig {
  std::string program = "podman";
  std::string root;    // --root (image storage); empty: podman's default
  std::string runroot; // --runroot (state); empty: podman's default
  std::string runtime; // --runtime; empty: podman's default
  std::vector<std::string> ulimits; // "nofile=N:N", "nproc=N:N"
  std::vector<std::string> cdi_dirs = {"/etc/cdi", "/var/run/cdi"};

  // GPURUN_PODMAN (the program), GPURUN_PODMAN_ROOT, GPURUN_PODMAN_RUNROOT,
  // GPURUN_PODMAN_RUNTIME ("default" keeps podman's own), and the limits of this process.
  static PodmanConfig from_environment();

  // The program and the global options every podman call starts with.
  std::vector<std::string> command() const;
};

// Throws Error, saying what to install, when config.program cannot be found.
void require_podman(const PodmanConfig& config);

// `--ulimit` values this process can grant: nofile at its hard limit, nproc at its hard limit
// capped at 32768 (podman lowers its own nproc limit to that; more fails in the runtime).
std::vector<std::string> ulimits_from_getrlimit();

// The runtime to ask for: runc when /sys/fs/cgroup is not a pure cgroup v2 hierarchy and runc
// is installed; "" (podman's default) otherwise.
std::string pick_runtime();

// Whether a CDI specification of NVIDIA GPUs (the NVIDIA container toolkit's
// `nvidia-ctk cdi generate`) is installed in one of `dirs`.
bool has_nvidia_cdi(const std::vector<std::string>& dirs);

} // namespace gpurun::server
