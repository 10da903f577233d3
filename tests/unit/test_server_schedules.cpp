#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>

#include "core/manifest_json.hpp"
#include "core/manifest_loader.hpp"
#include "server/schedules.hpp"

using namespace gpurun;
using namespace gpurun::server;
using namespace std::chrono;

namespace {

// Runs are only queued in these tests: an executor that is never asked to start anything.
class IdleExecutor final : public Executor {
public:
  std::string name() const override { return "idle"; }
  core::Inventory inventory() override { return {}; }
  bool simulated() const override { return true; }
  std::string start(const RunLaunch&) override { throw Error("not in this test"); }
  ExecutorStatus poll(const std::string&) override { return {}; }
  void cancel(const std::string&) override {}
  bool reattach(const std::string&) override { return false; }
};

struct Fixture {
  std::filesystem::path dir;
  std::unique_ptr<Store> store;
  IdleExecutor executor;
  std::unique_ptr<Scheduler> scheduler;
  sys_seconds clock{};

  Fixture() {
    static int counter = 0;
    dir = std::filesystem::temp_directory_path() / ("gpurun-schedules-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    open();
  }
  ~Fixture() {
    scheduler.reset();
    store.reset();
    std::filesystem::remove_all(dir);
  }
  // A fresh store and scheduler on the same database: what a restart sees.
  void open() {
    scheduler.reset();
    store.reset();
    store = std::make_unique<Store>((dir / "state.db").string());
    scheduler = std::make_unique<Scheduler>(*store, executor, SchedulerOptions{(dir / "runs").string()});
  }
  Schedules schedules() {
    return Schedules(*store, *scheduler, ScheduleOptions{[this] { return clock; }, milliseconds(1000), {}});
  }
  void deploy(const std::string& yaml) {
    core::ManifestLoad load = core::load_manifest_text(yaml, "m.yaml");
    REQUIRE(load.manifest);
    store->deploy(load.manifest->app, core::manifest_version(*load.manifest), core::to_json(*load.manifest).dump());
  }
  size_t runs() { return store->runs({"cron", std::nullopt, 1000}).size(); }
};

sys_seconds deployed_at(Store& store) {
  return floor<seconds>(sys_time<milliseconds>(milliseconds(store.app("cron")->updated_ms)));
}

} // namespace

TEST_SUITE("Schedules") {
  TEST_CASE("A tick submits one run, also when seen again after a restart") {
    Fixture f;
    f.deploy("app: cron\nfunctions:\n  t:\n    schedule: '*/5 * * * *'\n    command: ['true']\n");
    const sys_seconds first = *next_tick_of(*f.scheduler->manifest("cron", f.store->app("cron")->version)->find_function("t"),
                                            deployed_at(*f.store));
    f.clock = first - seconds(1);
    f.schedules().tick();
    CHECK(f.runs() == 0);
    f.clock = first;
    f.schedules().tick();
    CHECK(f.runs() == 1);
    f.schedules().tick();
    CHECK(f.runs() == 1);
    f.open();
    f.schedules().tick();
    CHECK(f.runs() == 1);
    // Three ticks later: the latest missed tick only.
    f.clock = first + minutes(15) + seconds(30);
    f.schedules().tick();
    CHECK(f.runs() == 2);
    CHECK(f.store->runs({"cron", std::nullopt, 1})[0].idempotency_key ==
          Schedules::tick_key(f.store->app("cron")->version, "t", first + minutes(15)));
  }

  TEST_CASE("A version without the schedule stops it") {
    Fixture f;
    f.deploy("app: cron\nfunctions:\n  t:\n    schedule: '* * * * *'\n    command: ['true']\n");
    f.clock = deployed_at(*f.store) + minutes(2);
    f.schedules().tick();
    CHECK(f.runs() == 1);
    f.deploy("app: cron\nfunctions:\n  t:\n    command: ['true']\n");
    f.clock += minutes(5);
    f.schedules().tick();
    CHECK(f.runs() == 1);
  }
}
