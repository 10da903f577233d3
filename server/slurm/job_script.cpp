#include "server/slurm/job_script.hpp"

#include "core/error.hpp"

namespace gpurun::server::slurm {
namespace {

// A comment line must stay one line and must not carry control characters into the script.
std::string comment_safe(std::string_view text) {
  std::string out;
  for (char c : text) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  return out;
}

} // namespace

std::string shell_quote(std::string_view word) {
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  out += '\'';
  return out;
}

std::string job_script(const RunLaunch& launch) {
  if (launch.command.empty())
    throw Error("run " + launch.run_id + ": the function has no command to run", ErrorKind::invalid);
  std::string script = "#!/bin/bash\n";
  script += "# gpurun run " + comment_safe(launch.run_id) + ", attempt " + std::to_string(launch.attempt) + ": " +
            comment_safe(launch.app) + "." + comment_safe(launch.function) + "\n";
  // exec: the command becomes the job's main process, so its exit status or the signal that
  // ended it is what Slurm records as the job's exit_code.
  script += "exec";
  for (const std::string& word : launch.command) {
    if (word.find('\0') != std::string::npos)
      throw Error("run " + launch.run_id + ": a command word holds a NUL byte", ErrorKind::invalid);
    script += ' ';
    script += shell_quote(word);
  }
  script += '\n';
  return script;
}

} // namespace gpurun::server::slurm
