#pragma once
// Running a function inside its image, for the local executor. The executor still supervises one
// process per attempt; for an image other than `host` that process is gpurun itself
// (`gpurun image run-container FILE`), which builds the image when its tag is missing and then
// becomes `podman run`. Building there, not in Executor::start, keeps the scheduler's thread
// free during a long build, puts the build's output in the run's stderr, and lets concurrent
// runs of one image share one build through the builder's file lock.

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/executor.hpp"
#include "server/podman.hpp"

namespace gpurun::server {

// What `gpurun image run-container` needs, written to a file by the executor.
struct ContainerLaunch {
  std::string name;                    // the container's name, unique per run attempt
  core::ImageSpec image;
  std::vector<int> gpus;               // host device indices, passed as CDI devices
  std::vector<std::string> env_names;  // passed by name: their values come from podman's own environment
  std::vector<std::string> command;
  std::string blob_dir;                // the server's blob store, which copied files are read from
};

nlohmann::json to_json(const ContainerLaunch& launch);
// Throws Error when `j` is not a container launch.
ContainerLaunch container_launch_from_json(const nlohmann::json& j);

// "gpurun-<run id>-<attempt>", with characters podman refuses replaced by '_'.
std::string container_name(const std::string& run_id, int attempt);

// The `podman run` argv for `launch` in image `tag`: --rm --init, the name, host networking as
// for host runs, the limits, the environment by name, CUDA_VISIBLE_DEVICES renumbered for
// the container (CDI devices appear as 0..n-1), one --device per GPU.
std::vector<std::string> podman_run_argv(const PodmanConfig& config, const ContainerLaunch& launch,
                                         const std::string& tag);

class ContainerRunner {
public:
  virtual ~ContainerRunner() = default;
  // The argv the executor supervises to run `launch` inside its image on `gpus` (host indices).
  // Throws Error when the run cannot happen in a container here: GPUs without the NVIDIA
  // container toolkit, or no podman.
  virtual std::vector<std::string> command(const RunLaunch& launch, const std::vector<int>& gpus) = 0;
  // Stops the container (SIGTERM, SIGKILL after `grace`) and removes it, in the background;
  // returns at once. A container that is already gone is no error.
  virtual void remove(const std::string& name, std::chrono::seconds grace) = 0;
};

class PodmanRunner final : public ContainerRunner {
public:
  // `gpurun_program`: the gpurun binary that runs `image run-container`; "" for this process's.
  // `blob_dir`: the server's blob store, where builds read the files that images copy.
  explicit PodmanRunner(PodmanConfig config, std::string gpurun_program = "", std::string blob_dir = "");
  std::vector<std::string> command(const RunLaunch& launch, const std::vector<int>& gpus) override;
  void remove(const std::string& name, std::chrono::seconds grace) override;

private:
  PodmanConfig m_config;
  std::string m_program;
  std::string m_blob_dir;
};

} // namespace gpurun::server
