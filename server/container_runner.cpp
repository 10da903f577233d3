#include "server/container_runner.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "core/containerfile.hpp"
#include "core/error.hpp"
#include "core/manifest_json.hpp"
#include "server/podman_command.hpp"

namespace gpurun::server {

nlohmann::json to_json(const ContainerLaunch& launch) {
  return {{"name", launch.name}, {"image", core::to_json(launch.image)}, {"gpus", launch.gpus},
          {"env_names", launch.env_names}, {"command", launch.command}, {"blob_dir", launch.blob_dir}};
}

ContainerLaunch container_launch_from_json(const nlohmann::json& j) {
  try {
    ContainerLaunch launch;
    launch.name = j.at("name").get<std::string>();
    launch.gpus = j.at("gpus").get<std::vector<int>>();
    launch.env_names = j.at("env_names").get<std::vector<std::string>>();
    launch.command = j.at("command").get<std::vector<std::string>>();
    const nlohmann::json& image = j.at("image");
    core::ImageSpec& spec = launch.image;
    spec.base = image.at("base").get<std::string>();
    if (image.contains("python")) spec.python = image["python"].get<std::string>();
    spec.apt = image.value("apt", std::vector<std::string>{});
    spec.pip = image.value("pip", std::vector<std::string>{});
    spec.env = image.value("env", std::map<std::string, std::string>{});
    spec.run = image.value("run", std::vector<std::string>{});
    if (image.contains("workdir")) spec.workdir = image["workdir"].get<std::string>();
    for (const nlohmann::json& step : image.value("copy", nlohmann::json::array())) {
      core::CopyStep copy{step.at("src").get<std::string>(), step.at("dst").get<std::string>(), std::nullopt};
      if (step.contains("files")) {
        copy.files.emplace();
        for (const nlohmann::json& file : step["files"])
          copy.files->push_back({file.at("path").get<std::string>(), file.at("mode").get<std::string>() == "0755",
                                 file.at("sha256").get<std::string>(), file.at("size").get<std::uint64_t>()});
      }
      spec.copy.push_back(std::move(copy));
    }
    launch.blob_dir = j.value("blob_dir", std::string());
    return launch;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("not a container launch: ") + e.what(), ErrorKind::invalid);
  }
}

std::string container_name(const std::string& run_id, int attempt) {
  std::string name = fmt::format("gpurun-{}-{}", run_id, attempt);
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  return name;
}

std::vector<std::string> podman_run_argv(const PodmanConfig& config, const ContainerLaunch& launch,
                                         const std::string& tag) {
  std::vector<std::string> argv = config.command();
  // --init: the command is not PID 1, so SIGTERM reaches it. Host networking: a function sees
  // the network as it would on the host, and no network namespace is set up per run.
  argv.insert(argv.end(), {"run", "--rm", "--init", "--name", launch.name, "--pull=never", "--network=host"});
  for (const std::string& limit : config.ulimits) argv.insert(argv.end(), {"--ulimit", limit});
  for (const std::string& name : launch.env_names)
    if (name != "CUDA_VISIBLE_DEVICES") argv.insert(argv.end(), {"-e", name});
  std::vector<std::string> visible;
  for (size_t i = 0; i < launch.gpus.size(); ++i) visible.push_back(std::to_string(i));
  argv.insert(argv.end(), {"-e", fmt::format("CUDA_VISIBLE_DEVICES={}", fmt::join(visible, ","))});
  for (int gpu : launch.gpus) argv.insert(argv.end(), {"--device", fmt::format("nvidia.com/gpu={}", gpu)});
  argv.push_back(tag);
  argv.insert(argv.end(), launch.command.begin(), launch.command.end());
  return argv;
}

PodmanRunner::PodmanRunner(PodmanConfig config, std::string gpurun_program, std::string blob_dir)
    : m_config(std::move(config)), m_program(std::move(gpurun_program)), m_blob_dir(std::move(blob_dir)) {
  if (m_program.empty()) {
    std::error_code ec;
    m_program = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  }
}

std::vector<std::string> PodmanRunner::command(const RunLaunch& launch, const std::vector<int>& gpus) {
  require_podman(m_config);
  if (!gpus.empty() && !has_nvidia_cdi(m_config.cdi_dirs))
    throw Error(fmt::format("the function needs {} GPU{} inside a container, but the NVIDIA container toolkit's CDI "
                            "specification is not installed ({}); install nvidia-container-toolkit and run "
                            "`nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml`, or use base: host",
                            gpus.size(), gpus.size() == 1 ? "" : "s", fmt::join(m_config.cdi_dirs, ", ")));
  ContainerLaunch container;
  container.name = container_name(launch.run_id, launch.attempt);
  container.image = launch.image;
  container.gpus = gpus;
  for (const auto& [name, value] : launch.env) container.env_names.push_back(name);
  container.command = launch.command;
  container.blob_dir = m_blob_dir;

  const std::filesystem::path dir = std::filesystem::path(launch.stdout_path).parent_path();
  const std::string file = (dir / fmt::format("attempt-{}.container.json", launch.attempt)).string();
  std::ofstream out(file);
  out << to_json(container).dump(2) << "\n";
  if (!out) throw Error("cannot write " + file);
  return {m_program, "image", "run-container", file};
}

void PodmanRunner::remove(const std::string& name, std::chrono::seconds grace) {
  std::vector<std::string> argv = m_config.command();
  argv.insert(argv.end(), {"rm", "--force", "--ignore", "--time", std::to_string(grace.count()), name});
  // Detached: podman waits up to `grace` for the command to stop, and cancel must not wait.
  std::thread([argv] {
    try {
      run_command(argv);
    } catch (const std::exception&) {
      // podman missing: there is no container to remove either
    }
  }).detach();
}

} // namespace gpurun::server
