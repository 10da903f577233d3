#include <doctest/doctest.h>

#include <set>
#include <thread>

#include "server/store.hpp"
#include "server_fakes.hpp"

using namespace gpurun;
using namespace gpurun::server;

namespace {

RunRecord fresh_run(const std::string& id, const std::string& key) {
  RunRecord run;
  run.id = id;
  run.app = "demo";
  run.function = "f";
  run.version = "v1";
  run.args = {"a"};
  run.idempotency_key = key;
  run.created_ms = now_ms();
  return run;
}

} // namespace

TEST_SUITE("Store") {
  TEST_CASE("A deploy of the same version changes nothing; another version does") {
    testing::TempDir dir;
    Store store(dir / "state.db");
    Store::DeployOutcome first = store.deploy("demo", "v1", R"({"app":"demo"})");
    CHECK(first.changed);
    CHECK(first.created);
    Store::DeployOutcome again = store.deploy("demo", "v1", R"({"app":"demo"})");
    CHECK_FALSE(again.changed);
    CHECK(store.deploy("demo", "v2", R"({"app":"demo","x":1})").changed);
    CHECK(store.app("demo")->version == "v2");
    CHECK(store.manifest("demo", "v1") == R"({"app":"demo"})"); // older versions stay for their runs
    CHECK(store.remove_app("demo"));
    CHECK_FALSE(store.app("demo"));
    CHECK(store.manifest("demo", "v2").has_value());
  }

  TEST_CASE("An idempotency key gives the same run, and refuses a different request") {
    testing::TempDir dir;
    Store store(dir / "state.db");
    auto [created, run] = store.submit(fresh_run("r-1", "key"), "hash-1");
    CHECK(created == SubmitOutcome::created);
    CHECK(run.seq > 0);
    auto [replayed, same] = store.submit(fresh_run("r-2", "key"), "hash-1");
    CHECK(replayed == SubmitOutcome::replayed);
    CHECK(same.id == "r-1");
    CHECK(store.submit(fresh_run("r-3", "key"), "hash-2").first == SubmitOutcome::key_conflict);
    CHECK_FALSE(store.run("r-2"));
    // Runs without a key never collide.
    CHECK(store.submit(fresh_run("r-4", ""), "h").first == SubmitOutcome::created);
    CHECK(store.submit(fresh_run("r-5", ""), "h").first == SubmitOutcome::created);
  }

  TEST_CASE("Concurrent submissions are each committed once and survive reopening") {
    testing::TempDir dir;
    constexpr int k_threads = 8;
    constexpr int k_each = 50;
    {
      Store store(dir / "state.db");
      std::vector<std::thread> threads;
      for (int t = 0; t < k_threads; ++t)
        threads.emplace_back([&store, t] {
          for (int i = 0; i < k_each; ++i) {
            std::string id = "r-" + std::to_string(t) + "-" + std::to_string(i);
            store.submit(fresh_run(id, "k-" + id), "h");
          }
        });
      for (auto& t : threads) t.join();
    }
    Store reopened(dir / "state.db");
    std::vector<RunRecord> runs = reopened.active_runs();
    CHECK(runs.size() == k_threads * k_each);
    std::set<std::int64_t> seqs;
    for (const RunRecord& r : runs) seqs.insert(r.seq);
    CHECK(seqs.size() == runs.size());
    CHECK(std::is_sorted(runs.begin(), runs.end(), [](const RunRecord& a, const RunRecord& b) { return a.seq < b.seq; }));
  }

  TEST_CASE("A failing write does not undo the others of its group") {
    testing::TempDir dir;
    Store store(dir / "state.db");
    RunRecord ghost = fresh_run("r-ghost", "");
    CHECK_THROWS_WITH(store.save(ghost), "no run r-ghost to update");
    store.submit(fresh_run("r-1", ""), "h");
    RunRecord run = *store.run("r-1");
    run.state = core::RunState::running;
    run.attempt = 1;
    run.placement = core::Placement{"H100", 2, "n1", 1, gpu_spec::Fit::upgrade};
    run.handle = "handle";
    run.stop = StopReason::timeout;
    store.save(run);
    RunRecord back = *store.run("r-1");
    CHECK(back.state == core::RunState::running);
    CHECK(back.placement->type == "H100");
    CHECK(back.placement->count == 2);
    CHECK(back.placement->rank == 1);
    CHECK(back.placement->fit == gpu_spec::Fit::upgrade);
    CHECK(back.handle == "handle");
    CHECK(back.stop == StopReason::timeout);
  }

  TEST_CASE("Runs are listed newest first and filtered by app and state") {
    testing::TempDir dir;
    Store store(dir / "state.db");
    store.submit(fresh_run("r-1", ""), "h");
    RunRecord other = fresh_run("r-2", "");
    other.app = "other";
    store.submit(other, "h");
    CHECK(store.runs({}).front().id == "r-2");
    CHECK(store.runs({"other", std::nullopt, 100}).size() == 1);
    CHECK(store.runs({"", core::RunState::succeeded, 100}).empty());
    CHECK(store.runs({"", std::nullopt, 1}).size() == 1);
  }
}
