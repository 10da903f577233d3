#include "cli/client.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "cli/progress.hpp"
#include "cli/report.hpp"
#include "core/error.hpp"
#include "core/local_paths.hpp"

extern char** environ;

namespace gpurun::cli {
namespace {

constexpr std::chrono::seconds k_start_wait{15};
constexpr int k_starts = 3; // servers started for one connection, when those before exited

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

pid_t start_server(const std::string& state) {
  std::error_code ec;
  std::filesystem::create_directories(state, ec);
  if (ec) throw Error("cannot start the local control plane: cannot create " + state + ": " + ec.message(), ErrorKind::unreachable);
  ::chmod(state.c_str(), 0700);
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec) throw Error("cannot find the gpurun binary to start the local control plane", ErrorKind::unreachable);
  const std::string log = core::log_path(state);
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
  return pid;
}

// Why a server started here stopped: the last line it wrote to the shared log (from `offset`
// on), its "gpurun: error: " taken off, else how it ended. Lines of servers that lost the lock to
// another are not the reason.
std::string start_failure(const std::string& log, std::uintmax_t offset, int status) {
  std::ifstream in(log, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::string line;
  std::string last;
  while (std::getline(in, line))
    if (!line.empty() && line.find("another gpurun serve is using") == std::string::npos) last = line;
  for (std::string_view prefix : {"gpurun: error: ", "gpurun: "})
    if (last.starts_with(prefix)) return last.substr(prefix.size());
  if (!last.empty()) return last;
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "exit status " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

// Whether no server holds the state folder's lock (server/serve.cpp takes it for its life, and
// a server starting waits a moment for it, so this brief look does not make one fail).
bool lock_free(const std::string& state) {
  int fd = ::open(core::lock_path(state).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return true;
  const bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0; // closing the file lets go of it
  ::close(fd);
  return free;
}

// One start at a time in this process (a follower's two streams find the server gone at once),
// and the servers it started, reaped once they end: a long follow may start several.
std::mutex g_start_mutex;
std::vector<pid_t> g_children;

// The endpoint of the local server of `state`, started first when none answers there; nothing
// when the server started has not answered within k_start_wait. Throws when it cannot start.
std::optional<std::string> local_endpoint(const std::string& state) {
  std::lock_guard lock(g_start_mutex);
  std::erase_if(g_children, [](pid_t pid) { return ::waitpid(pid, nullptr, WNOHANG) != 0; });
  const std::string endpoint_file = core::endpoint_path(state);
  std::string endpoint = core::read_trimmed(endpoint_file);
  if (healthy(endpoint)) return endpoint;
  const std::string log = core::log_path(state);
  std::error_code no_log;
  std::uintmax_t log_start = std::filesystem::file_size(log, no_log);
  if (no_log) log_start = 0;
  pid_t child = start_server(state);
  g_children.push_back(child);
  int starts = 1;
  int status = 0; // of the last server started here that ended
  const auto deadline = std::chrono::steady_clock::now() + k_start_wait;
  for (;;) {
    endpoint = core::read_trimmed(endpoint_file);
    if (healthy(endpoint)) {
      // Another command may have started it first.
      if (core::read_trimmed(core::pid_path(state)) == std::to_string(child))
        print_note("started the local control plane in the background (state " + state + ", log " + log + ")");
      return endpoint;
    }
    // A server still stopping can hold the lock past the moment the one started here gives up
    // waiting for it: once the lock is free, start another. One that ends with the lock free
    // failed on its own.
    if (child != 0 && ::waitpid(child, &status, WNOHANG) == child) {
      std::erase(g_children, child);
      child = 0;
    }
    if (child == 0 && lock_free(state)) {
      if (starts == k_starts)
        throw Error("the local control plane exited as it started: " + start_failure(log, log_start, status) + " (" +
                        log + ")",
                    ErrorKind::unreachable);
      child = start_server(state);
      g_children.push_back(child);
      ++starts;
    }
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
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
  std::optional<std::string> local = local_endpoint(state);
  if (!local)
    throw Error("the local control plane did not start within " + std::to_string(k_start_wait.count()) + "s; see " +
                    core::log_path(state),
                ErrorKind::unreachable);
  config.endpoint = *local;
  config.token = settings.token();
  // A follower outlives the server it began with: like any command, it starts the local server
  // again when none answers, and finds the port it listens on now; one slow to start is waited
  // for within the follower's own window.
  config.endpoint_now = [state] { return local_endpoint(state).value_or(""); };
  say("the local control plane at " + config.endpoint);
  return config;
}

} // namespace gpurun::cli
