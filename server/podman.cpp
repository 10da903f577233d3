#include "server/podman.hpp"

#include <sys/resource.h>
#include <sys/statfs.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "server/supervised_process.hpp"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

namespace gpurun::server {
namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

// RLIM_INFINITY would read as a huge number; the kernel's own ceiling for nofile is 1048576.
rlim_t bounded(rlim_t value, rlim_t cap) { return value == RLIM_INFINITY ? cap : std::min(value, cap); }

} // namespace

void require_podman(const PodmanConfig& config) {
  const char* path = std::getenv("PATH");
  if (!find_program(config.program, path ? path : ""))
    throw Error(config.program + " is not installed; images are built and run with podman (Debian: apt-get install podman runc catatonit)");
}

std::vector<std::string> ulimits_from_getrlimit() {
  std::vector<std::string> out;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    rlim_t n = bounded(limit.rlim_max, 1048576);
    out.push_back("nofile=" + std::to_string(n) + ":" + std::to_string(n));
  }
  if (getrlimit(RLIMIT_NPROC, &limit) == 0) {
    rlim_t n = bounded(limit.rlim_max, 32768);
    out.push_back("nproc=" + std::to_string(n) + ":" + std::to_string(n));
  }
  return out;
}

std::string pick_runtime() {
  struct statfs fs {};
  bool unified = statfs("/sys/fs/cgroup", &fs) == 0 && static_cast<unsigned long>(fs.f_type) == CGROUP2_SUPER_MAGIC;
  if (unified) return "";
  const char* path = std::getenv("PATH");
  // runc is in /usr/sbin, which a user's PATH may lack.
  return find_program("runc", std::string(path ? path : "") + ":/usr/sbin:/sbin") ? "runc" : "";
}

bool has_nvidia_cdi(const std::vector<std::string>& dirs) {
  namespace fs = std::filesystem;
  for (const std::string& dir : dirs) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::string ext = it->path().extension().string();
      if (ext != ".yaml" && ext != ".yml" && ext != ".json") continue;
      std::ifstream in(it->path());
      std::stringstream text;
      text << in.rdbuf();
      if (text.str().find("nvidia.com/gpu") != std::string::npos) return true;
    }
  }
  return false;
}

PodmanConfig PodmanConfig::from_environment() {
  PodmanConfig config;
  config.program = env_or("GPURUN_PODMAN", "podman");
  config.root = env_or("GPURUN_PODMAN_ROOT", "");
  config.runroot = env_or("GPURUN_PODMAN_RUNROOT", "");
  std::string runtime = env_or("GPURUN_PODMAN_RUNTIME", "");
  config.runtime = runtime == "default" ? "" : runtime.empty() ? pick_runtime() : runtime;
  config.ulimits = ulimits_from_getrlimit();
  return config;
}

std::vector<std::string> PodmanConfig::command() const {
  std::vector<std::string> out = {program};
  if (!root.empty()) out.insert(out.end(), {"--root", root});
  if (!runroot.empty()) out.insert(out.end(), {"--runroot", runroot});
  if (!runtime.empty()) out.insert(out.end(), {"--runtime", runtime});
  return out;
}

} // namespace gpurun::server
