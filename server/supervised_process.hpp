#pragma once
// A child process that outlives the server. The server forks a small supervisor (still the
// gpurun binary, no exec) that starts the command in its own process group, waits for it and
// writes its exit status to a file; so after the server is killed and restarted, the outcome
// of a run that ended in between is still known, and a run still running can be re-attached.
//
// Stopping: SIGTERM to the supervisor makes it send SIGTERM to the command's process group and,
// after the grace period, SIGKILL; the recorded status is then the signal's.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace gpurun::server {

struct ProcessSpec {
  std::vector<std::string> argv; // argv[0] is looked up on PATH; never run through a shell
  std::map<std::string, std::string> env; // the complete environment of the command
  std::string cwd;                        // "" for the server's
  std::string stdout_path;                // appended to
  std::string stderr_path;
  std::string status_path; // written by the supervisor when the command has ended
  std::chrono::seconds grace{10};
  std::optional<mode_t> umask; // the command's file-creation mask; nullopt: the server's
};

struct ProcessId {
  pid_t pid = 0;              // the supervisor
  long long start_ticks = 0;  // its start time, to tell it from a later process with the same pid
};

// Starts the command under a supervisor. Throws gpurun::Error when it cannot start (no such
// program, files that cannot be opened, fork failure).
ProcessId spawn_supervised(const ProcessSpec& spec);

struct ProcessEnd {
  std::optional<int> exit_code;
  std::optional<int> signal;
};

// The end status written by the supervisor; nullopt while there is none.
std::optional<ProcessEnd> read_status(const std::string& status_path);
// Whether the supervisor still runs (reaping it when it is our child).
bool is_alive(const ProcessId& id);
// Asks the supervisor to stop the command (SIGTERM, then SIGKILL after the grace period).
void request_stop(const ProcessId& id);

// A process's start time in clock ticks since boot, from /proc; 0 when it is gone.
long long process_start_ticks(pid_t pid);

// `name` looked up on PATH (or used as is when it holds a '/'); nullopt when not executable.
std::optional<std::string> find_program(const std::string& name, const std::string& path_variable);

} // namespace gpurun::server
