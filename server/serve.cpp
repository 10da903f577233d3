#include "server/serve.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "core/inventory.hpp"
#include "core/local_paths.hpp"
#include "core/random.hpp"
#include "server/api.hpp"
#include "server/blob_store.hpp"
#include "server/http_server.hpp"
#include "server/local_executor.hpp"
#include "server/scheduler.hpp"
#include "server/schedules.hpp"
#include "server/secret_store.hpp"
#include "server/store.hpp"

namespace gpurun::server {
namespace {

std::pair<std::string, int> split_listen(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0)
    throw Error("--listen wants HOST:PORT (for example 127.0.0.1:8080), got '" + listen + "'", ErrorKind::invalid);
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = -1;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
  }
  if (port < 0 || port > 65535) throw Error("--listen: '" + listen.substr(colon + 1) + "' is not a port", ErrorKind::invalid);
  return {host, port};
}

// The state folder's lock, held for the server's life: one server per state folder.
int lock_state(const std::string& dir) {
  const std::string path = core::lock_path(dir);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw Error("cannot open " + path + ": " + std::strerror(errno));
  // A moment's wait: a server that is stopping still holds the lock, and a CLI looking whether
  // it is free holds it for an instant.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::close(fd);
      throw Error("another gpurun serve is using the state folder " + dir);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return fd;
}

// Creates the state folder, or checks that it can be written (a full disk shows up later, as
// answers 507 storage_full), and makes what earlier versions left readable by others (0755
// folders, 0644 files) private.
void open_state_folder(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir + "/runs", ec);
  if (ec) throw Error("cannot create the state folder " + dir + ": " + ec.message());
  if (::access(dir.c_str(), W_OK) != 0)
    throw Error("the state folder " + dir + " is not writable: " + std::strerror(errno));
  for (const char* folder : {"", "/runs", "/secrets"}) ::chmod((dir + folder).c_str(), 0700);
  for (const char* file : {"/state.db", "/state.db-wal", "/state.db-shm", "/server.log"}) ::chmod((dir + file).c_str(), 0600);
}

std::string load_token(const std::string& dir, const std::string& host) {
  if (const char* env = std::getenv("GPURUN_TOKEN"); env != nullptr && env[0] != '\0') return env;
  if (!is_loopback(host))
    throw Error("refusing to listen on " + host + " without a token: set GPURUN_TOKEN (clients need the same value)",
                ErrorKind::invalid);
  const std::string path = core::token_path(dir);
  std::string token = core::read_trimmed(path);
  struct stat st {};
  if (!token.empty() && ::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
    throw Error(path + " is readable by other users; make it mode 0600 (chmod 600) or remove it");
  if (token.empty()) {
    token = core::random_hex(32);
    core::write_file_atomic(path, token + "\n", 0600);
  }
  return token;
}

ScheduleOptions schedule_options(const std::string& clock_file) {
  ScheduleOptions out;
  if (clock_file.empty()) return out;
  out.interval = std::chrono::milliseconds(100); // a test steps the clock and wants to see ticks soon
  out.clock = [clock_file] {
    const std::string text = core::read_trimmed(clock_file);
    try {
      size_t used = 0;
      const long long seconds = std::stoll(text, &used);
      if (used == text.size()) return std::chrono::sys_seconds(std::chrono::seconds(seconds));
    } catch (const std::exception&) {
    }
    throw Error("the schedule clock " + clock_file + " does not hold seconds since the epoch");
  };
  return out;
}

} // namespace

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

void serve(const ServeOptions& options) {
  auto say = options.say ? options.say : [](const std::string&) {};
  auto [host, port] = split_listen(options.listen);
  if (options.executor != "local" && options.executor != "slurm")
    throw Error("unknown executor '" + options.executor + "'; this build has: local, slurm", ErrorKind::invalid);
  if (options.executor == "slurm" && options.inventory_path)
    throw Error("--inventory declares GPUs for the local executor; the Slurm executor reads them from the cluster",
                ErrorKind::invalid);

  LocalExecutorOptions executor_options;
  if (options.inventory_path) {
    core::InventoryLoad load = core::load_inventory(*options.inventory_path);
    if (!load.inventory) {
      std::string message = "invalid inventory " + *options.inventory_path;
      for (const Diagnostic& d : load.diagnostics)
        message += fmt::format("\n  {}:{}:{}: {}", d.pos.path, d.pos.line, d.pos.column, d.message);
      throw Error(message, ErrorKind::invalid);
    }
    executor_options.declared = *load.inventory;
  }
  executor_options.grace = options.grace;
  executor_options.smoke_gate = options.smoke_gate;
  executor_options.base_env = current_environment();
  executor_options.base_env.erase("GPURUN_TOKEN"); // the server's secret is not the runs' business
  const std::string blob_dir = options.state_dir + "/blobs";
  executor_options.containers = std::make_shared<PodmanRunner>(PodmanConfig::from_environment(), "", blob_dir);

  // Everything the server creates (the database and its journal, logs, status files, folders) is
  // this user's alone; runs get back the mask the server was started with.
  executor_options.run_umask = ::umask(077);
  open_state_folder(options.state_dir);
  // The lock comes first: two servers started at once on a fresh folder would otherwise each
  // write a token, and the one that loses the lock could leave its token beside the winner.
  int lock_fd = lock_state(options.state_dir);
  const std::string token = load_token(options.state_dir, host);

  // Signals are taken by one thread with sigwait; every thread started from here on inherits
  // the blocked mask. Runs get default dispositions back (supervised_process.cpp).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  ::pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN); // a client that hangs up must not end the server

  Store store(options.state_dir + "/state.db");
  SecretStore secrets(options.state_dir + "/secrets");
  BlobStore blobs(blob_dir, options.max_blob);
  std::unique_ptr<Executor> executor;
  std::vector<std::string> notes;
  if (options.executor == "slurm") {
    slurm::SlurmConfig config = options.slurm;
    config.warn = [say](const std::string& line) { say("gpurun serve: " + line); };
    auto cluster = std::make_unique<slurm::SlurmExecutor>(std::move(config));
    notes = cluster->notes(); // asks the cluster now: a wrong URL or a refused token stops here
    executor = std::move(cluster);
  } else {
    auto local = std::make_unique<LocalExecutor>(executor_options);
    notes = local->notes();
    executor = std::move(local);
  }
  Scheduler scheduler(store, *executor, SchedulerOptions{options.state_dir + "/runs", std::chrono::milliseconds(200)});
  scheduler.set_secrets(&secrets);
  scheduler.start();
  ScheduleOptions schedule = schedule_options(options.schedule_clock);
  schedule.say = say;
  Schedules schedules(store, scheduler, schedule);
  schedules.start();
  Api api(store, scheduler, ApiOptions{token, options.version, std::chrono::milliseconds(100)});
  api.set_secrets(&secrets);
  api.set_schedules(&schedules);
  api.set_blobs(&blobs);
  HttpServerOptions http_options;
  http_options.host = host;
  http_options.port = port;
  http_options.max_body = options.max_body;
  http_options.max_blob = options.max_blob;
  HttpServer http(api, http_options);
  const int bound = http.bind();
  const std::string endpoint = fmt::format("http://{}:{}", host.find(':') != std::string::npos ? "[" + host + "]" : host, bound);
  core::write_file_atomic(core::pid_path(options.state_dir), std::to_string(::getpid()) + "\n", 0600);
  core::write_file_atomic(core::endpoint_path(options.state_dir), endpoint + "\n", 0600);

  say(fmt::format("gpurun serve: listening on {} (state {}, executor {})", endpoint, options.state_dir, options.executor));
  for (const std::string& note : notes) say("gpurun serve: " + note);

  std::thread waiter([&] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    if (signal != 0) {
      api.stop();
      http.stop();
    }
  });
  http.run();
  // run() also returns when the socket fails; make sure the waiter ends either way.
  ::pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  schedules.stop();
  scheduler.stop();
  ::unlink(core::endpoint_path(options.state_dir).c_str());
  ::unlink(core::pid_path(options.state_dir).c_str());
  say("gpurun serve: stopped; runs still running keep running and are re-attached at the next start");
  ::close(lock_fd);
}

} // namespace gpurun::server
