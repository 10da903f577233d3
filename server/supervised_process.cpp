#include "server/supervised_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace gpurun::server {
namespace {

volatile sig_atomic_t g_stop_requested = 0;
volatile sig_atomic_t g_kill_due = 0;

void on_term(int) { g_stop_requested = 1; }
void on_alarm(int) { g_kill_due = 1; }

// Everything after fork() must be async-signal-safe: the server has other threads, whose locks
// may be held at the moment of the fork. So only system calls, on data prepared beforehand.
void close_from(int first) {
  if (::syscall(SYS_close_range, first, ~0U, 0) != 0)
    for (int fd = first; fd < 4096; ++fd) ::close(fd);
}

void reset_signals() {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr); // fails harmlessly for KILL/STOP
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

// Writes "exit N" or "signal N" without printf (not async-signal-safe).
void write_status(const char* tmp_path, const char* path, const char* word, int value) {
  char buffer[32];
  size_t n = 0;
  for (const char* p = word; *p != '\0'; ++p) buffer[n++] = *p;
  buffer[n++] = ' ';
  char digits[12];
  size_t d = 0;
  unsigned v = static_cast<unsigned>(value < 0 ? 0 : value);
  do {
    digits[d++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (d > 0) buffer[n++] = digits[--d];
  buffer[n++] = '\n';
  // Into the file spawn_supervised made, whose space is already taken: no O_TRUNC, which would
  // give it back, and a full disk could then keep the run's end from being recorded.
  int fd = ::open(tmp_path, O_WRONLY | O_CREAT, 0600);
  if (fd < 0) return;
  (void)!::write(fd, buffer, n);
  (void)!::ftruncate(fd, static_cast<off_t>(n));
  ::fsync(fd);
  ::close(fd);
  ::rename(tmp_path, path);
}

[[noreturn]] void supervise(pid_t child, const char* tmp_path, const char* status_path, unsigned grace) {
  bool forwarded = false;
  bool killed = false;
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(child, &status, 0);
    if (r == child) break;
    if (r < 0 && errno != EINTR) ::_exit(1);
    if (g_stop_requested != 0 && !forwarded) {
      forwarded = true;
      ::kill(-child, SIGTERM);
      ::alarm(grace > 0 ? grace : 1);
    }
    if (g_kill_due != 0 && !killed) {
      killed = true;
      ::kill(-child, SIGKILL);
    }
  }
  // The command's own children may linger in its group; they must not outlive a stopped run.
  if (forwarded) ::kill(-child, SIGKILL);
  if (WIFEXITED(status)) write_status(tmp_path, status_path, "exit", WEXITSTATUS(status));
  else write_status(tmp_path, status_path, "signal", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  ::_exit(0);
}

int open_output(const std::string& path) {
  // A run's output is its user's alone, like everything else in the state folder.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) throw Error("cannot open " + path + ": " + std::strerror(errno));
  return fd;
}

} // namespace

std::optional<std::string> find_program(const std::string& name, const std::string& path_variable) {
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string::npos)
    return ::access(name.c_str(), X_OK) == 0 ? std::optional(name) : std::nullopt;
  std::stringstream dirs(path_variable.empty() ? "/usr/local/bin:/usr/bin:/bin" : path_variable);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return std::nullopt;
}

ProcessId spawn_supervised(const ProcessSpec& spec) {
  if (spec.argv.empty()) throw Error("the function has no command");
  auto path_it = spec.env.find("PATH");
  std::optional<std::string> program = find_program(spec.argv[0], path_it == spec.env.end() ? "" : path_it->second);
  if (!program) throw Error("cannot run '" + spec.argv[0] + "': no such program on PATH");

  // Prepared before fork: nothing may allocate afterwards.
  std::vector<char*> argv;
  for (const std::string& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : spec.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string tmp_status = spec.status_path + ".tmp";
  const std::string exec_error = "gpurun: cannot execute " + *program + "\n";
  const unsigned grace = static_cast<unsigned>(spec.grace.count());
  const bool set_umask = spec.umask.has_value();
  const mode_t run_umask = spec.umask.value_or(0);

  int out = open_output(spec.stdout_path);
  int err = open_output(spec.stderr_path);
  int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  ::unlink(spec.status_path.c_str());
  // The status file's space is taken now, while it can be: a run that ends while the disk is
  // full still records how it ended.
  if (int fd = ::open(tmp_status.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600); fd >= 0) {
    (void)::posix_fallocate(fd, 0, 32);
    ::close(fd);
  }

  pid_t supervisor = ::fork();
  if (supervisor < 0) {
    int e = errno;
    ::close(out);
    ::close(err);
    ::close(null_fd);
    throw Error(std::string("cannot start a process: ") + std::strerror(e));
  }
  if (supervisor == 0) {
    // Its own session: a Ctrl-C on the server's terminal does not reach the runs.
    ::setsid();
    reset_signals();
    pid_t child = ::fork();
    if (child == 0) {
      ::setpgid(0, 0);
      ::dup2(null_fd, 0);
      ::dup2(out, 1);
      ::dup2(err, 2);
      close_from(3);
      if (!spec.cwd.empty() && ::chdir(spec.cwd.c_str()) != 0) ::_exit(126);
      if (set_umask) ::umask(run_umask);
      ::execve(program->c_str(), argv.data(), envp.data());
      (void)!::write(2, exec_error.data(), exec_error.size());
      ::_exit(127);
    }
    if (child > 0) ::setpgid(child, child); // also here: no race with an early request_stop
    ::dup2(null_fd, 0);
    ::dup2(null_fd, 1);
    ::dup2(null_fd, 2);
    // Above all the server's listening socket and state lock: a supervisor that outlives a
    // killed server must not keep them.
    close_from(3);
    if (child < 0) {
      write_status(tmp_status.c_str(), spec.status_path.c_str(), "exit", 127);
      ::_exit(1);
    }
    struct sigaction term {};
    term.sa_handler = on_term;
    ::sigaction(SIGTERM, &term, nullptr);
    struct sigaction alarm_action {};
    alarm_action.sa_handler = on_alarm;
    ::sigaction(SIGALRM, &alarm_action, nullptr);
    supervise(child, tmp_status.c_str(), spec.status_path.c_str(), grace);
  }
  ::close(out);
  ::close(err);
  ::close(null_fd);
  return ProcessId{supervisor, process_start_ticks(supervisor)};
}

std::optional<ProcessEnd> read_status(const std::string& status_path) {
  std::ifstream in(status_path);
  if (!in) return std::nullopt;
  std::string word;
  int value = 0;
  if (!(in >> word >> value)) return std::nullopt;
  ProcessEnd end;
  if (word == "exit") end.exit_code = value;
  else end.signal = value;
  return end;
}

long long process_start_ticks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return 0;
  // Field 2 is "(comm)" and may hold spaces; count fields after its closing parenthesis.
  size_t close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  char state = '?';
  for (int i = 3; i <= 22 && fields >> field; ++i) {
    if (i == 3) state = field.empty() ? '?' : field[0];
    if (i == 22) return state == 'Z' ? 0 : std::stoll(field);
  }
  return 0;
}

bool is_alive(const ProcessId& id) {
  int status = 0;
  ::waitpid(id.pid, &status, WNOHANG); // reaps our own child; ECHILD after a restart
  long long ticks = process_start_ticks(id.pid);
  return ticks != 0 && (id.start_ticks == 0 || ticks == id.start_ticks);
}

void request_stop(const ProcessId& id) {
  if (is_alive(id)) ::kill(id.pid, SIGTERM);
}

} // namespace gpurun::server
