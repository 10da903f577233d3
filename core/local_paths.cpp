#include "core/local_paths.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace gpurun::core {

std::string default_state_dir() {
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg != nullptr && xdg[0] == '/')
    return std::string(xdg) + "/gpurun";
  if (const char* home = std::getenv("HOME"); home != nullptr && home[0] != '\0')
    return std::string(home) + "/.local/state/gpurun";
  throw Error("cannot find a state folder: set XDG_STATE_HOME or HOME, or pass --state");
}

std::string token_path(const std::string& state_dir) { return state_dir + "/token"; }
std::string endpoint_path(const std::string& state_dir) { return state_dir + "/endpoint"; }
std::string pid_path(const std::string& state_dir) { return state_dir + "/server.pid"; }
std::string lock_path(const std::string& state_dir) { return state_dir + "/lock"; }
std::string log_path(const std::string& state_dir) { return state_dir + "/server.log"; }

std::string read_trimmed(const std::string& path) {
  std::ifstream in(path);
  if (!in) return "";
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  size_t end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

void write_file_atomic(const std::string& path, const std::string& text, unsigned mode) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) throw Error("cannot write " + tmp + ": " + std::strerror(errno));
  // The mode given to open() is masked by the umask; a token file must be exactly 0600.
  ::fchmod(fd, static_cast<mode_t>(mode));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    int error = errno;
    ::unlink(tmp.c_str());
    throw Error("cannot write " + path + ": " + std::strerror(error));
  }
}

} // namespace gpurun::core
