// The Slurm executor against a real Slurm: h100node (gpu:h100:8) and a100node (gpu:a100:4).
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <unistd.h>

#include "core/error.hpp"
#include "core/resolver.hpp"
#include "gpu_spec/spec.hpp"
#include "server/slurm/slurm_executor.hpp"

using namespace gpurun;
using namespace gpurun::server;
using namespace gpurun::server::slurm;
using core::RunState;
using namespace std::chrono_literals;

namespace {

std::string env_or(const char* name, const std::string& fallback = "") {
  const char* value = std::getenv(name);
  return value != nullptr ? value : fallback;
}

SlurmConfig config(const std::string& token = env_or("SLURM_JWT"), const std::string& url = env_or("SLURM_URL")) {
  SlurmConfig c;
  c.url = url;
  c.user = env_or("SLURM_USER", "root");
  c.token = token;
  c.gres_types = GresTypeMap::parse("a100=A100-80GB");
  c.work_dir = env_or("SLURM_JOBS_DIR", "/tmp");
  return c;
}

gpu_spec::GpuChain chain(std::initializer_list<const char*> specs) {
  gpu_spec::GpuChain out;
  for (const char* text : specs) out.push_back(std::get<gpu_spec::GpuSpec>(gpu_spec::parse_spec(text)));
  return out;
}

int g_run = 0;

// A launch of `command` on what the resolver picks for `specs` now.
RunLaunch launch(SlurmExecutor& executor, std::initializer_list<const char*> specs, std::vector<std::string> command) {
  core::Resolution resolution = core::resolve(chain(specs), executor.inventory());
  REQUIRE(resolution.placement.has_value());
  RunLaunch out;
  out.run_id = "it-" + std::to_string(::getpid()) + "-" + std::to_string(++g_run);
  out.app = "integration";
  out.function = "fn";
  out.command = std::move(command);
  out.placement = *resolution.placement;
  out.timeout = 5min;
  out.image.base = "host";
  out.stdout_path = env_or("SLURM_JOBS_DIR", "/tmp") + "/" + out.run_id + ".log";
  out.stderr_path = out.stdout_path;
  return out;
}

// Polls until `done` holds (bounded: 30 s).
ExecutorStatus wait_until(SlurmExecutor& executor, const std::string& handle,
                          const std::function<bool(const ExecutorStatus&)>& done) {
  ExecutorStatus status;
  for (int i = 0; i < 300; ++i) {
    status = executor.poll(handle);
    if (done(status)) return status;
    std::this_thread::sleep_for(100ms);
  }
  FAIL("job " << handle << " did not reach the expected state; last: " << core::to_string(status.state));
  return status;
}

// Running on a node: Slurm placed it (a job waiting in Slurm's queue is in flight too, unplaced).
bool started(const ExecutorStatus& status) { return status.state == RunState::running && status.placement.has_value(); }

ExecutorStatus wait_end(SlurmExecutor& executor, const std::string& handle) {
  return wait_until(executor, handle, [](const ExecutorStatus& s) { return core::is_terminal(s.state); });
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace

TEST_SUITE("SlurmExecutor on a real cluster") {
  TEST_CASE("The inventory shows both nodes with their GPUs mapped to catalog types") {
    SlurmExecutor executor(config());
    core::Inventory inventory = executor.inventory();
    const core::InventoryNode* h100 = inventory.find_node("h100node");
    const core::InventoryNode* a100 = inventory.find_node("a100node");
    REQUIRE(h100 != nullptr);
    REQUIRE(a100 != nullptr);
    CHECK(h100->total_of("H100") == 8);
    CHECK(h100->free_of("H100") == 8);
    CHECK(a100->total_of("A100-80GB") == 4);
    CHECK(a100->free_of("A100-80GB") == 4);
  }

  TEST_CASE("A run lands on the H100 node, with its GPUs, logs and exit code") {
    SlurmExecutor executor(config());
    RunLaunch run = launch(executor, {"H100:2"},
                           {"bash", "-c", "echo \"hello $1\"; echo \"gpus=$CUDA_VISIBLE_DEVICES\"; echo oops >&2; exit 3",
                            "-", "it's me"});
    CHECK(run.placement.node == "h100node");
    run.stderr_path = run.stdout_path + ".err";
    std::string handle = executor.start(run);
    ExecutorStatus status = wait_end(executor, handle);
    CHECK(status.state == RunState::failed);
    CHECK(status.exit_code == 3);
    REQUIRE(status.placement.has_value());
    CHECK(status.placement->node == "h100node");
    CHECK(status.placement->type == "H100");
    CHECK(status.placement->count == 2);
    CHECK(read_file(run.stdout_path) == "hello it's me\ngpus=0,1\n");
    CHECK(read_file(run.stderr_path) == "oops\n");
  }

  TEST_CASE("A second attempt's output follows the first's in the run's output file") {
    SlurmExecutor executor(config());
    RunLaunch first = launch(executor, {"A100-80GB"}, {"echo", "attempt 1"});
    CHECK(wait_end(executor, executor.start(first)).state == RunState::succeeded);
    RunLaunch second = first;
    second.attempt = 2;
    second.command = {"echo", "attempt 2"};
    CHECK(wait_end(executor, executor.start(second)).state == RunState::succeeded);
    CHECK(read_file(first.stdout_path) == "attempt 1\nattempt 2\n");
  }

  TEST_CASE("A signal that ends the job is reported as a signal") {
    SlurmExecutor executor(config());
    RunLaunch run = launch(executor, {"A100-80GB"}, {"bash", "-c", "kill -9 $$"});
    ExecutorStatus status = wait_end(executor, executor.start(run));
    CHECK(status.state == RunState::failed);
    CHECK(status.signal == 9);
    CHECK_FALSE(status.exit_code.has_value());
  }

  TEST_CASE("While the H100 node is full the chain falls back to A100, and cancel stops the blocker") {
    SlurmExecutor executor(config());
    RunLaunch blocker = launch(executor, {"H100:8"}, {"sleep", "120"});
    std::string blocker_handle = executor.start(blocker);
    wait_until(executor, blocker_handle, started);
    CHECK(executor.inventory().find_node("h100node")->free_of("H100") == 0);

    // Submitted anyway (as another Slurm user might), a job waits in Slurm's queue: in flight.
    RunLaunch waiting = blocker;
    waiting.run_id += "-waiting";
    std::string waiting_handle = executor.start(waiting);
    ExecutorStatus pending = wait_until(executor, waiting_handle, [](const ExecutorStatus& s) { return !s.reason.empty(); });
    CHECK(pending.state == RunState::running);
    CHECK(pending.reason.starts_with("waiting in Slurm's queue")); // Priority, then Resources
    executor.cancel(waiting_handle);
    CHECK(wait_end(executor, waiting_handle).state == RunState::cancelled);

    core::Resolution resolution = core::resolve(chain({"H100", "A100-80GB"}), executor.inventory());
    REQUIRE(resolution.placement.has_value());
    CHECK(resolution.placement->type == "A100-80GB");
    CHECK(resolution.placement->rank == 1);
    RunLaunch run = launch(executor, {"H100", "A100-80GB"}, {"bash", "-c", "echo on $SLURMD_NODENAME"});
    ExecutorStatus status = wait_end(executor, executor.start(run));
    CHECK(status.state == RunState::succeeded);
    CHECK(status.exit_code == 0);
    REQUIRE(status.placement.has_value());
    CHECK(status.placement->node == "a100node");
    CHECK(status.placement->type == "A100-80GB");
    CHECK(read_file(run.stdout_path) == "on a100node\n");

    executor.cancel(blocker_handle);
    ExecutorStatus cancelled = wait_end(executor, blocker_handle);
    CHECK(cancelled.state == RunState::cancelled);
    CHECK(cancelled.placement->node == "h100node");
    wait_until(executor, blocker_handle, [&](const ExecutorStatus&) {
      return executor.inventory().find_node("h100node")->free_of("H100") == 8;
    });
  }

  TEST_CASE("After a restart a new executor re-attaches to the job in flight") {
    std::string handle;
    {
      SlurmExecutor before(config());
      handle = before.start(launch(before, {"H100"}, {"sleep", "120"}));
      wait_until(before, handle, started);
    }
    SlurmExecutor after(config());
    CHECK(after.reattach(handle));
    ExecutorStatus status = after.poll(handle);
    CHECK(status.state == RunState::running);
    REQUIRE(status.placement.has_value());
    CHECK(status.placement->node == "h100node");
    CHECK(status.placement->type == "H100");
    after.cancel(handle);
    CHECK(wait_end(after, handle).state == RunState::cancelled);
    CHECK_FALSE(after.reattach("999999"));
  }

  TEST_CASE("A request no node can hold is a clear no-capacity error") {
    SlurmExecutor executor(config());
    RunLaunch run = launch(executor, {"H100"}, {"true"});
    run.placement.count = 9;
    try {
      executor.start(run);
      FAIL("expected an error");
    } catch (const Error& error) {
      CHECK(error.kind() == ErrorKind::no_capacity);
      CHECK(std::string(error.what()) ==
            "cannot submit the job (gpus_per_node h100:9): Slurm says no node can ever run it (Requested node "
            "configuration is not available)");
    }
  }

  TEST_CASE("Bad credentials and an absent slurmrestd are clear errors") {
    SlurmExecutor wrong_token(config("abc.def.ghi"));
    try {
      wrong_token.inventory();
      FAIL("expected an error");
    } catch (const Error& error) {
      CHECK(std::string(error.what()).find("slurmctld did not accept the token (SLURM_JWT)") != std::string::npos);
    }

    const std::string cluster = env_or("SLURM_CLUSTER_DIR");
    if (!cluster.empty()) {
      std::string expired;
      std::string command = env_or("SOURCE_DIR", ".") + "/scripts/slurm-cluster token " + cluster + " -60";
      if (FILE* pipe = ::popen(command.c_str(), "r")) {
        char buffer[1024];
        while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) expired += buffer;
        ::pclose(pipe);
      }
      while (!expired.empty() && expired.back() == '\n') expired.pop_back();
      SlurmExecutor stale(config(expired));
      try {
        stale.inventory();
        FAIL("expected an error");
      } catch (const Error& error) {
        CHECK(error.kind() == ErrorKind::auth);
        CHECK(std::string(error.what()).find("expired at") != std::string::npos);
      }
    }

    SlurmExecutor down(config(env_or("SLURM_JWT"), "http://127.0.0.1:9"));
    try {
      down.inventory();
      FAIL("expected an error");
    } catch (const Error& error) {
      CHECK(error.kind() == ErrorKind::unreachable);
      CHECK(std::string(error.what()).starts_with("cannot list the nodes: slurmrestd at http://127.0.0.1:9 is not reachable"));
    }
  }
}
