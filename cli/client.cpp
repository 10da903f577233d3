#include "cli/client.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "cli/progress.hpp"
#include "cli/report.hpp"
#include "core/error.hpp"
#include "core/local_paths.hpp"

extern char** environ;

namespace gpurun::cli {
namespace {

constexpr std::chrono::seconds k_start_wait{15};

bool healthy(const std::string& endpoint) {
  if (endpoint.empty()) return false;
  core::ApiConfig probe;
  probe.endpoint = endpoint;
  probe.attempts = 1;
  probe.backoff = std::chrono::milliseconds(0);
  probe.timeouts = {std::chrono::milliseconds(1000), std::chrono::milliseconds(2000)};
  try {
    core::ApiClient(probe).health();
    return true;
  } catch (const Error&) {
    return false;
  }
}

void start_server(const std::string& state) {
  std::filesystem::create_directories(state);
  ::chmod(state.c_str(), 0700);
  std::error_code ec;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec) throw Error("cannot find the gpurun binary to start the local control plane", ErrorKind::unreachable);
  const std::string log = state + "/server.log";
  std::vector<std::string> args = {self, "serve", "--listen", "127.0.0.1:0", "--state", state};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own session: the terminal's Ctrl-C and hang-up do not reach the background server.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, self.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw Error("cannot start the local control plane: " + std::string(std::strerror(rc)), ErrorKind::unreachable);
  print_note("started the local control plane in the background (state " + state + ", log " + log + ")");
}

} // namespace

core::ApiConfig connect_config(Settings& settings, Announce announce) {
  core::ApiConfig config;
  const Setting endpoint = settings.endpoint();
  auto say = [&](const std::string& where) {
    if (announce == Announce::no) return;
    const std::string profile = settings.profile().value;
    print_note("using " + where + " (" + (profile.empty() ? "no profile" : "profile " + profile) + ")");
  };
  if (!endpoint.value.empty()) {
    config.endpoint = endpoint.value;
    config.token = settings.token();
    say(config.endpoint);
    return config;
  }

  const std::string state = settings.state().value;
  const std::string endpoint_file = core::endpoint_path(state);
  config.endpoint = core::read_trimmed(endpoint_file);
  if (!healthy(config.endpoint)) {
    start_server(state);
    const auto deadline = std::chrono::steady_clock::now() + k_start_wait;
    for (;;) {
      config.endpoint = core::read_trimmed(endpoint_file);
      if (healthy(config.endpoint)) break;
      if (std::chrono::steady_clock::now() > deadline)
        throw Error("the local control plane did not start within " + std::to_string(k_start_wait.count()) +
                        "s; see " + state + "/server.log",
                    ErrorKind::unreachable);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  config.token = settings.token();
  config.endpoint_now = [endpoint_file] { return core::read_trimmed(endpoint_file); };
  say("the local control plane at " + config.endpoint);
  return config;
}

} // namespace gpurun::cli
