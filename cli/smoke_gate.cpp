// `gpurun __smoke-gate`, hidden: what the local executor runs in place of a `smoke: quick`
// function's command. A child process checks the GPUs this process may see (the executor has set
// CUDA_VISIBLE_DEVICES to the ones placed) against the function's chain; only when they pass
// does this process exec the command. The check runs in a child so that no CUDA context, memory
// or open device file is left behind in the command's process.
//
// On failure the command never starts: the reasons go to stderr (the run's log) and to the
// --verdict file, which the executor reads to say why the run failed. Exit 1 for a failed check,
// 5 when there is no CUDA device, 127 when the command cannot be executed.

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "cli/context.hpp"
#include "core/error.hpp"
#include "gpu_spec/spec.hpp"
#include "kernels/backend.hpp"
#include "kernels/verify.hpp"

namespace gpurun::cli {
namespace {

constexpr int k_no_device = 5;
constexpr int k_cannot_exec = 127;

// The child: runs the check, reports, and exits with the verdict.
[[noreturn]] void check(const gpu_spec::GpuChain& chain, const std::string& verdict_path) {
  int code = 0;
  std::string why;
  try {
    std::unique_ptr<kernels::Backend> backend = kernels::make_system_backend();
    kernels::PlacementVerdict verdict = kernels::verify_placement(*backend, {}, chain);
    if (verdict.report.status == kernels::ReportStatus::no_device) {
      code = k_no_device;
      why = verdict.report.reason;
    } else if (!verdict.pass) {
      code = 1;
      why = fmt::format("{}", fmt::join(verdict.reasons, "; "));
    } else {
      std::string fit = verdict.fit == gpu_spec::Fit::upgrade ? ", an upgrade" : "";
      fmt::print(stderr, "gpurun: smoke check passed: {} GPU{} serve {}{}\n", verdict.report.devices.size(),
                 verdict.report.devices.size() == 1 ? "" : "s", chain[*verdict.chain_entry].to_string(), fit);
      for (const std::string& warning : verdict.reasons) fmt::print(stderr, "gpurun: smoke warning: {}\n", warning);
    }
  } catch (const std::exception& e) {
    code = 1;
    why = e.what();
  }
  if (code != 0) {
    fmt::print(stderr, "gpurun: smoke check failed, the command did not start: {}\n", why);
    std::ofstream(verdict_path) << why << "\n";
  }
  std::fflush(stderr);
  std::_Exit(code);
}

int gate(const gpu_spec::GpuChain& chain, const std::string& verdict_path, const std::vector<std::string>& command) {
  std::fflush(nullptr);
  pid_t child = ::fork();
  if (child < 0) throw Error(fmt::format("cannot start the smoke check: {}", std::strerror(errno)));
  if (child == 0) check(chain, verdict_path);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0)
    if (errno != EINTR) throw Error(fmt::format("cannot wait for the smoke check: {}", std::strerror(errno)));
  if (WIFSIGNALED(status)) {
    std::ofstream(verdict_path) << "the smoke check was killed by signal " << WTERMSIG(status) << "\n";
    return 128 + WTERMSIG(status);
  }
  if (WEXITSTATUS(status) != 0) return WEXITSTATUS(status);

  std::vector<char*> argv;
  for (const std::string& word : command) argv.push_back(const_cast<char*>(word.c_str()));
  argv.push_back(nullptr);
  ::execvp(argv[0], argv.data());
  fmt::print(stderr, "gpurun: cannot execute {}: {}\n", command.front(), std::strerror(errno));
  return k_cannot_exec;
}

} // namespace

void add_smoke_gate(CLI::App& root, Context& context) {
  struct Options {
    std::vector<std::string> allow;
    std::string verdict;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = root.add_subcommand("__smoke-gate", "Smoke-check the visible GPUs, then exec the command after --");
  command->group(""); // hidden: the local executor's, not a user command
  command->add_option("--allow", options->allow, "A chain entry the GPUs may serve, in order")->required();
  command->add_option("--verdict", options->verdict, "Where the reason goes when the check fails")->required();
  command->callback([options, &context] {
    context.action = [options, &context] {
      if (context.passthrough.empty())
        throw Error("__smoke-gate needs the command after --", ErrorKind::invalid);
      gpu_spec::GpuChain chain;
      for (const std::string& text : options->allow) chain.push_back(parse_spec_option("--allow", text));
      return static_cast<ExitCode>(gate(chain, options->verdict, context.passthrough));
    };
  });
}

} // namespace gpurun::cli
