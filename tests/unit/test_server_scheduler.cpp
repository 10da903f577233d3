#include <doctest/doctest.h>

#include <thread>

#include "core/manifest_json.hpp"
#include "core/manifest_loader.hpp"
#include "server/scheduler.hpp"
#include "server_fakes.hpp"

using namespace gpurun;
using namespace gpurun::server;

namespace {

const char* const k_manifest = R"(
app: demo
functions:
  chain:
    gpu: ["H100:2", "L40S:4"]
    command: [train]
  flaky:
    command: [flaky]
    retries: {max: 1, initial_delay: 1ms}
  slow:
    command: [slow]
    timeout: 1s
)";

struct Fixture {
  testing::TempDir dir;
  Store store{dir / "state.db"};
  testing::FakeExecutor executor;
  std::unique_ptr<Scheduler> scheduler;
  std::string version;

  Fixture() {
    core::ManifestLoad load = core::load_manifest_text(k_manifest, "demo.yaml");
    REQUIRE(load.manifest);
    version = core::manifest_version(*load.manifest);
    store.deploy("demo", version, core::to_json(*load.manifest).dump());
    executor.base = *core::load_inventory_text("nodes: [{name: a, gpus: {H100: 2}}, {name: b, gpus: {L40S: 4}}]", "inv").inventory;
    restart();
  }
  void restart() {
    scheduler.reset();
    scheduler = std::make_unique<Scheduler>(store, executor, SchedulerOptions{dir / "runs", std::chrono::milliseconds(10)});
    scheduler->start(false);
  }
  std::string submit(const std::string& function) {
    RunRecord run;
    run.id = "r-" + core::random_hex(4);
    run.app = "demo";
    run.function = function;
    run.version = version;
    run.created_ms = now_ms();
    auto [outcome, stored] = store.submit(run, "h");
    scheduler->enqueue(stored);
    return stored.id;
  }
  RunRecord get(const std::string& id) { return *store.run(id); }
};

} // namespace

TEST_SUITE("Scheduler") {
  TEST_CASE("The chain in order: first entry, then the fallback, then the queue until GPUs free up") {
    Fixture f;
    std::string r1 = f.submit("chain");
    std::string r2 = f.submit("chain");
    std::string r3 = f.submit("chain");
    f.scheduler->tick();
    CHECK(f.get(r1).placement->type == "H100");
    CHECK(f.get(r1).placement->rank == 0);
    CHECK(f.get(r2).placement->type == "L40S");
    CHECK(f.get(r2).placement->rank == 1);
    CHECK(f.get(r3).state == core::RunState::queued);
    const RunLaunch& launch = f.executor.launches.at(f.executor.handle_of(r1));
    CHECK(launch.env.at("GPURUN_GPU_TYPE") == "H100");
    CHECK(launch.env.at("GPURUN_GPU_COUNT") == "2");
    CHECK(launch.env.at("GPURUN_FALLBACK_RANK") == "0");
    CHECK(launch.env.at("GPURUN_RUN_ID") == r1);
    CHECK(launch.command == std::vector<std::string>{"train"});

    f.executor.end(f.executor.handle_of(r1), 0);
    f.scheduler->tick();
    CHECK(f.get(r1).state == core::RunState::succeeded);
    CHECK(f.get(r1).exit_code == 0);
    f.scheduler->tick();
    CHECK(f.get(r3).state == core::RunState::running);
    CHECK(f.get(r3).placement->type == "H100");
  }

  TEST_CASE("A failed attempt is retried after its delay, then the run fails") {
    Fixture f;
    std::string id = f.submit("flaky");
    f.scheduler->tick();
    f.executor.end(f.executor.handle_of(id), 3);
    f.scheduler->tick();
    RunRecord run = f.get(id);
    CHECK(run.state == core::RunState::queued);
    CHECK(run.reason == "attempt 1 exited with code 3; retry 1 of 1 in 1ms");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    f.scheduler->tick();
    CHECK(f.get(id).attempt == 2);
    f.executor.end(f.executor.handle_of(id), 3);
    f.scheduler->tick();
    run = f.get(id);
    CHECK(run.state == core::RunState::failed);
    CHECK(run.exit_code == 3);
  }

  TEST_CASE("A run past its timeout is stopped and ends timed out") {
    Fixture f;
    std::string id = f.submit("slow");
    f.scheduler->tick();
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    f.scheduler->tick();
    REQUIRE(f.executor.cancelled.size() == 1);
    f.executor.status[f.executor.handle_of(id)] = {core::RunState::failed, std::nullopt, 15, "killed by signal 15", {}};
    f.scheduler->tick();
    CHECK(f.get(id).state == core::RunState::timed_out);
    CHECK(f.get(id).reason == "timed out after 1s");
  }

  TEST_CASE("Cancel ends a queued run at once and asks a running one to stop") {
    Fixture f;
    std::string running = f.submit("chain");
    f.submit("chain");
    std::string queued = f.submit("chain");
    f.scheduler->tick();
    CHECK(f.scheduler->cancel(queued).state == core::RunState::cancelled);
    CHECK(f.get(queued).attempt == 0);
    CHECK(f.scheduler->cancel(running).state == core::RunState::running);
    CHECK(f.executor.cancelled == std::vector<std::string>{f.executor.handle_of(running)});
    f.executor.end(f.executor.handle_of(running), 143);
    f.scheduler->tick();
    CHECK(f.get(running).state == core::RunState::cancelled);
    CHECK_THROWS_WITH(f.scheduler->cancel("r-none"), "no run 'r-none'");
  }

  TEST_CASE("After a restart, running runs are re-attached or lost, and queued runs wait again") {
    Fixture f;
    std::string kept = f.submit("chain");
    std::string gone = f.submit("chain");
    std::string queued = f.submit("chain");
    f.scheduler->tick();
    f.executor.reattachable = {f.executor.handle_of(kept)};
    f.restart();
    CHECK(f.get(kept).state == core::RunState::running);
    CHECK(f.get(gone).state == core::RunState::lost);
    f.executor.end(f.executor.handle_of(kept), 0);
    f.scheduler->tick();
    f.scheduler->tick();
    CHECK(f.get(kept).state == core::RunState::succeeded);
    CHECK(f.get(queued).state == core::RunState::running);
  }

  TEST_CASE("A run whose attempt cannot start fails with the executor's reason") {
    Fixture f;
    f.executor.fail_start = "container images are not supported by this executor yet";
    std::string id = f.submit("chain");
    f.scheduler->tick();
    CHECK(f.get(id).state == core::RunState::failed);
    CHECK(f.get(id).reason == "could not start: container images are not supported by this executor yet");
    // Its GPUs were given back: the next run is placed on the first entry.
    f.executor.fail_start.clear();
    std::string next = f.submit("chain");
    f.scheduler->tick();
    CHECK(f.get(next).placement->type == "H100");
  }

  TEST_CASE("The executor's reason for a wait goes once the attempt really runs") {
    Fixture f;
    std::string id = f.submit("chain");
    f.scheduler->tick();
    const std::string handle = f.executor.handle_of(id);
    f.executor.status[handle].reason = "waiting in Slurm's queue: Resources";
    f.scheduler->tick();
    CHECK(f.get(id).reason == "waiting in Slurm's queue: Resources");
    f.executor.status[handle].reason.clear();
    f.scheduler->tick();
    CHECK(f.get(id).state == core::RunState::running);
    CHECK(f.get(id).reason == "");
  }

  TEST_CASE("Runs that reach the queue out of seq order are still placed in seq order") {
    Fixture f;
    std::vector<RunRecord> stored;
    for (int i = 0; i < 3; ++i) {
      RunRecord run;
      run.id = "r-" + std::to_string(i);
      run.app = "demo";
      run.function = "chain";
      run.version = f.version;
      stored.push_back(f.store.submit(run, "h").second);
    }
    f.scheduler->enqueue(stored[2]);
    f.scheduler->tick(); // r-2 alone: it takes the H100s
    CHECK(f.get("r-2").placement->type == "H100");
    f.scheduler->enqueue(stored[1]);
    f.scheduler->enqueue(stored[0]);
    f.scheduler->tick(); // only the two fresh runs are tried, the older first
    CHECK(f.get("r-0").placement->type == "L40S");
    CHECK(f.get("r-1").state == core::RunState::queued);
    f.executor.end(f.executor.handle_of("r-2"), 0);
    f.scheduler->tick();
    f.scheduler->tick();
    CHECK(f.get("r-1").placement->type == "H100");
  }
}
