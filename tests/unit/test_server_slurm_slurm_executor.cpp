#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "fake_slurmrestd.hpp"
#include "server/slurm/slurm_executor.hpp"
#include "slurm_test_tokens.hpp"

using namespace gpurun::server;
using namespace gpurun::server::slurm;
using gpurun::core::RunState;
using gpurun::test::FakeSlurmrestd;

namespace {

std::string envelope(const std::string& errors, const std::string& extra) {
  return R"({"meta":{},"errors":[)" + errors + "]," + extra + "}";
}

std::string node(const std::string& name, const std::string& state, const std::string& gres, const std::string& used,
                 const std::string& flags = "") {
  return R"({"name":")" + name + R"(","state":")" + state + R"(","state_flags":[)" + flags + R"(],"gres":")" + gres +
         R"(","gres_used":")" + used + R"(","partitions":["gpu"]})";
}

struct Fixture {
  FakeSlurmrestd fake;
  std::vector<std::string> warnings;
  std::unique_ptr<SlurmExecutor> executor;

  explicit Fixture(const std::string& map = "a100=A100-80GB") {
    SlurmConfig config;
    config.url = "http://127.0.0.1:16820";
    config.user = "root";
    config.token = gpurun::test::test_jwt(3600);
    config.gres_types = GresTypeMap::parse(map);
    config.work_dir = "/scratch/jobs";
    config.warn = [this](const std::string& message) { warnings.push_back(message); };
    executor = std::make_unique<SlurmExecutor>(config, fake);
  }

  void nodes(const std::string& list) { fake.answer("GET /nodes", 200, envelope("", R"("nodes":[)" + list + "]")); }
  void job(long id, const std::string& fields) {
    fake.answer("GET /job/" + std::to_string(id), 200, envelope("", R"("jobs":[{"job_id":)" + std::to_string(id) + "," + fields + "}]"));
  }
};

RunLaunch launch_for(const std::string& type, int count) {
  RunLaunch launch;
  launch.run_id = "r-7";
  launch.attempt = 1;
  launch.app = "demo";
  launch.function = "train";
  launch.command = {"python", "train.py"};
  launch.env = {{"MODEL", "small"}, {"CUDA_VISIBLE_DEVICES", "0,1"}};
  launch.placement = {type, count, "h100node", 0, gpurun::gpu_spec::Fit::exact};
  launch.timeout = std::chrono::seconds(90);
  launch.image.base = "host";
  launch.stdout_path = "/scratch/logs/r-7.out";
  launch.stderr_path = "/scratch/logs/r-7.out";
  return launch;
}

} // namespace

TEST_SUITE("SlurmExecutor") {
  TEST_CASE("The inventory maps GRES to catalog types with free = total - used") {
    Fixture f;
    f.nodes(node("h100node", "mixed", "gpu:h100:8", "gpu:h100:6(IDX:0-5)") + "," +
            node("a100node", "idle", "gpu:a100:4", "gpu:a100:0(IDX:N/A)"));
    auto inventory = f.executor->inventory();
    CHECK_FALSE(inventory.simulated);
    CHECK_FALSE(f.executor->simulated());
    REQUIRE(inventory.nodes.size() == 2);
    CHECK(inventory.nodes[0].total_of("H100") == 8);
    CHECK(inventory.nodes[0].free_of("H100") == 2);
    CHECK(inventory.nodes[1].total_of("A100-80GB") == 4);
    CHECK(inventory.nodes[1].free_of("A100-80GB") == 4);
    CHECK(f.warnings.empty());
  }

  TEST_CASE("The start-up note names the cluster and its GPUs; an unreachable one is an error") {
    Fixture f;
    f.nodes(node("h100node", "mixed", "gpu:h100:8", "gpu:h100:6(IDX:0-5)") + "," +
            node("a100node", "idle", "gpu:a100:4", "gpu:a100:0(IDX:N/A)"));
    CHECK(f.executor->notes() ==
          std::vector<std::string>{"Slurm at http://127.0.0.1:16820 (slurmrestd v0.0.38, user root): 2 nodes: 4 A100-80GB, 8 H100"});
    Fixture down;
    down.fake.refuse("GET /nodes");
    down.fake.refuse("GET /nodes");
    CHECK_THROWS_AS(down.executor->notes(), gpurun::Error);
  }

  TEST_CASE("Nodes that cannot take a job now show no free GPUs") {
    Fixture f;
    f.nodes(node("drained", "idle", "gpu:h100:8", "gpu:h100:0", R"("DRAIN")") + "," +
            node("down", "down", "gpu:h100:8", "gpu:h100:0") + "," +
            node("full", "allocated", "gpu:h100:8", "gpu:h100:1(IDX:0)"));
    auto inventory = f.executor->inventory();
    REQUIRE(inventory.nodes.size() == 3);
    for (const auto& n : inventory.nodes) {
      CHECK(n.total_of("H100") == 8);
      CHECK(n.free_of("H100") == 0);
    }
  }

  TEST_CASE("A GRES type with no catalog type is left out, with one warning") {
    Fixture f("h100=H100");
    f.nodes(node("a100node", "idle", "gpu:a100:4", "gpu:a100:0"));
    f.executor->inventory();
    f.executor->inventory();
    REQUIRE(f.warnings.size() == 1);
    CHECK(f.warnings[0] == "Slurm GRES type 'a100' (node a100node) maps to no catalog type; those GPUs are left out: "
                           "map it, for example a100=A100-80GB");
  }

  TEST_CASE("A submission asks for the placed type and count, without the caller's device indices") {
    Fixture f;
    f.fake.answer("POST /job/submit", 200, envelope("", R"("job_id":12)"));
    CHECK(f.executor->start(launch_for("A100-80GB", 2)) == "12");
    auto body = nlohmann::json::parse(f.fake.requests.at(0).body);
    const auto& job = body["job"];
    CHECK(job["gpus_per_node"] == "a100:2");
    CHECK(job["time_limit"] == 2); // 90 s rounds up to 2 minutes
    CHECK(job["environment"]["MODEL"] == "small");
    CHECK_FALSE(job["environment"].contains("CUDA_VISIBLE_DEVICES"));
    CHECK(job["environment"].contains("PATH"));
    CHECK(job["standard_output"] == "/scratch/logs/r-7.out");
    CHECK_FALSE(job.contains("standard_error")); // the same file: merged
    CHECK(job["current_working_directory"] == "/scratch/jobs");
    CHECK(job["name"] == "gpurun-demo-train");
    CHECK(job["comment"] == "gpurun run r-7 attempt 1");
    CHECK(body["script"] == "#!/bin/bash\n# gpurun run r-7, attempt 1: demo.train\nexec 'python' 'train.py'\n");
  }

  TEST_CASE("A CPU-only run asks for no GPU; a separate stderr file is passed on") {
    Fixture f;
    RunLaunch launch = launch_for("", 0);
    launch.stderr_path = "/scratch/logs/r-7.err";
    launch.timeout.reset();
    JobRequest request = f.executor->job_request(launch);
    CHECK(request.gpus_per_node.empty());
    CHECK_FALSE(request.time_limit_minutes.has_value());
    CHECK(request.standard_error == "/scratch/logs/r-7.err");
  }

  TEST_CASE("A container image is refused plainly") {
    Fixture f;
    RunLaunch launch = launch_for("H100", 1);
    launch.image.base = "debian-slim";
    CHECK_THROWS_WITH_AS(f.executor->start(launch),
                         "demo.train: the Slurm executor runs functions on the cluster's nodes themselves and cannot "
                         "build or run the image 'debian-slim'; use `image: {base: host}` or the local executor",
                         gpurun::Error);
    CHECK(f.fake.requests.empty());
  }

  TEST_CASE("Error 2014 at submission is a no-capacity error, not a crash") {
    Fixture f;
    f.fake.answer("POST /job/submit", 500, envelope(R"({"error_code":2014,"error":"Requested node configuration is not available"})", R"("x":0)"));
    try {
      f.executor->start(launch_for("H100", 8));
      FAIL("expected an error");
    } catch (const gpurun::Error& error) {
      CHECK(error.kind() == gpurun::ErrorKind::no_capacity);
    }
  }

  TEST_CASE("A running job reports where it landed") {
    Fixture f;
    f.job(3, R"j("job_state":"RUNNING","state_reason":"None","nodes":"a100node","gres_detail":["gpu:a100:2(IDX:1-2)"],"exit_code":0)j");
    ExecutorStatus status = f.executor->poll("3");
    CHECK(status.state == RunState::running);
    REQUIRE(status.placement.has_value());
    CHECK(status.placement->node == "a100node");
    CHECK(status.placement->type == "A100-80GB");
    CHECK(status.placement->count == 2);
    CHECK_FALSE(status.exit_code.has_value());
  }

  TEST_CASE("A job pending in Slurm's queue is an attempt in flight, with Slurm's reason") {
    Fixture f;
    f.job(4, R"("job_state":"PENDING","state_reason":"Resources","nodes":"","gres_detail":[],"exit_code":0)");
    ExecutorStatus status = f.executor->poll("4");
    CHECK(status.state == RunState::running);
    CHECK(status.reason == "waiting in Slurm's queue: Resources");
    CHECK_FALSE(status.placement.has_value());
  }

  TEST_CASE("A finished job gives its exit code or signal, and placement from what it asked") {
    Fixture f;
    f.job(5, R"("job_state":"FAILED","state_reason":"NonZeroExitCode","nodes":"h100node","gres_detail":[],)"
             R"("tres_per_node":"gres:gpu:h100:2","exit_code":768)");
    ExecutorStatus failed = f.executor->poll("5");
    CHECK(failed.state == RunState::failed);
    CHECK(failed.exit_code == 3);
    CHECK(failed.reason == "exited with code 3");
    REQUIRE(failed.placement.has_value());
    CHECK(failed.placement->type == "H100");
    CHECK(failed.placement->count == 2);

    f.job(6, R"("job_state":"FAILED","nodes":"h100node","exit_code":9)");
    ExecutorStatus killed = f.executor->poll("6");
    CHECK(killed.signal == 9);
    CHECK(killed.reason == "killed by signal 9");
    CHECK_FALSE(killed.exit_code.has_value());

    f.job(7, R"("job_state":"COMPLETED","nodes":"h100node","exit_code":0)");
    CHECK(f.executor->poll("7").state == RunState::succeeded);
    CHECK(f.executor->poll("7").exit_code == 0);

    f.job(8, R"("job_state":"TIMEOUT","nodes":"h100node","exit_code":0)");
    CHECK(f.executor->poll("8").state == RunState::timed_out);
  }

  TEST_CASE("A job Slurm forgot is lost; an unreachable Slurm is an error to retry, not a loss") {
    Fixture f;
    f.fake.answer("GET /job/9", 500, envelope(R"({"error_number":2017,"error":"Invalid job id specified"})", R"("jobs":[])"));
    ExecutorStatus status = f.executor->poll("9");
    CHECK(status.state == RunState::lost);
    CHECK(status.reason == "Slurm no longer knows job 9 (it forgets finished jobs after MinJobAge)");
    CHECK_FALSE(f.executor->reattach("9"));

    f.fake.refuse("GET /job/10");
    f.fake.refuse("GET /job/10");
    CHECK_THROWS_AS(f.executor->poll("10"), gpurun::Error);
    f.fake.refuse("GET /job/10");
    f.fake.refuse("GET /job/10");
    CHECK(f.executor->reattach("10")); // kept: poll() tells once Slurm answers
    REQUIRE(f.warnings.size() == 1);
    CHECK(f.warnings[0].starts_with("re-attaching to Slurm job 10: cannot read job 10: slurmrestd at "));
    f.fake.answer("GET /job/13", 401, "Authentication failure");
    CHECK_THROWS_AS(f.executor->reattach("13"), gpurun::Error);
  }

  TEST_CASE("Re-attaching finds a known job; cancelling a gone job is quiet") {
    Fixture f;
    f.job(11, R"("job_state":"RUNNING","nodes":"h100node","exit_code":0)");
    CHECK(f.executor->reattach("11"));
    f.fake.answer("DELETE /job/11", 200, envelope("", R"("x":0)"));
    f.executor->cancel("11");
    CHECK(f.fake.requests.back().method == "DELETE");
    f.fake.answer("DELETE /job/12", 500, envelope(R"({"error_number":2017,"error":"Invalid job id specified"})", R"("x":0)"));
    f.executor->cancel("12");
    CHECK_THROWS_WITH_AS(f.executor->poll("abc"), "'abc' is not a Slurm job id", gpurun::Error);
  }
}
