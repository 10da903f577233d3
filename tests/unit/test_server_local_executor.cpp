#include <doctest/doctest.h>

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "server/local_executor.hpp"
#include "server_fakes.hpp"
#include "spec_helpers.hpp"

using namespace gpurun;
using namespace gpurun::server;
using gpurun::testing::spec;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Fixture {
  testing::TempDir dir;

  // A stand-in for `gpurun __smoke-gate`: records its arguments, then behaves as `body` says.
  std::string gate(const std::string& body) {
    const std::string path = dir / "gate";
    std::ofstream(path) << "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done > " << (dir / "gate.args") << "\n"
                        << body << "\n";
    ::chmod(path.c_str(), 0755);
    return path;
  }

  LocalExecutor executor(const std::string& smoke_gate) {
    LocalExecutorOptions options;
    options.base_env = {{"PATH", "/usr/bin:/bin"}};
    options.smoke_gate = smoke_gate;
    options.grace = std::chrono::seconds(1);
    return LocalExecutor(options, GpuDiscovery{{{0, "H100"}, {1, "H100"}}, {}});
  }

  RunLaunch launch(std::vector<std::string> command) {
    RunLaunch l;
    l.run_id = "r-1";
    l.command = std::move(command);
    l.placement = core::Placement{"H100", 2, "local", 0, gpu_spec::Fit::exact};
    l.image.base = "host";
    l.stdout_path = dir / "stdout";
    l.stderr_path = dir / "stderr";
    return l;
  }
};

ExecutorStatus wait_end(LocalExecutor& executor, const std::string& handle) {
  for (int i = 0; i < 500; ++i) {
    ExecutorStatus status = executor.poll(handle);
    if (status.state != core::RunState::running) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL("the attempt did not end");
  return {};
}

} // namespace

TEST_CASE_FIXTURE(Fixture, "LocalExecutor runs a smoke: quick command behind the gate, with the chain in order") {
  LocalExecutor local = executor(gate("while [ \"$1\" != -- ]; do shift; done; shift; exec \"$@\""));
  RunLaunch l = launch({"sh", "-c", "echo ran on $CUDA_VISIBLE_DEVICES"});
  l.smoke_chain = gpu_spec::GpuChain{spec("H100!:2"), spec("a100-80gb")};
  ExecutorStatus status = wait_end(local, local.start(l));
  CHECK(status.state == core::RunState::succeeded);
  CHECK(slurp(dir / "stdout") == "ran on 0,1\n");
  CHECK(slurp(dir / "gate.args") == "__smoke-gate\n--verdict\n" + (dir / "attempt-1.smoke") +
                                        "\n--allow\nH100!:2\n--allow\nA100-80GB\n--\nsh\n-c\necho ran on $CUDA_VISIBLE_DEVICES\n");
}

TEST_CASE_FIXTURE(Fixture, "LocalExecutor says why when the smoke check stopped the command") {
  LocalExecutor local = executor(gate("echo 'H100!:2: device 0 is H200, an upgrade that '\"'\"'!'\"'\"' forbids' > \"$3\"; exit 1"));
  RunLaunch l = launch({"touch", dir / "started"});
  l.smoke_chain = gpu_spec::GpuChain{spec("H100!:2")};
  ExecutorStatus status = wait_end(local, local.start(l));
  CHECK(status.state == core::RunState::failed);
  CHECK(status.exit_code == 1);
  CHECK(status.reason == "the smoke check of the placed GPUs failed, so the command did not start: "
                         "H100!:2: device 0 is H200, an upgrade that '!' forbids");
  CHECK_FALSE(std::filesystem::exists(dir / "started"));
}

TEST_CASE_FIXTURE(Fixture, "LocalExecutor reports a command's own failure as usual under the gate") {
  LocalExecutor local = executor(gate("while [ \"$1\" != -- ]; do shift; done; shift; exec \"$@\""));
  RunLaunch l = launch({"sh", "-c", "exit 3"});
  l.smoke_chain = gpu_spec::GpuChain{spec("H100")};
  ExecutorStatus status = wait_end(local, local.start(l));
  CHECK(status.reason == "exited with code 3");
}

TEST_CASE_FIXTURE(Fixture, "LocalExecutor accepts smoke only when it has a gate") {
  core::Function fn;
  fn.name = "check";
  fn.gpu = {spec("H100")};
  fn.smoke = "quick";
  CHECK(executor("/usr/bin/gpurun").unsupported(fn) == "");
  CHECK(executor("").unsupported(fn) == "smoke is not supported by the local executor yet");
  fn.cpu = 2;
  CHECK(executor("/usr/bin/gpurun").unsupported(fn) == "cpu is not supported by the local executor yet");
}
