#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "fake_slurmrestd.hpp"
#include "server/slurm/rest_api.hpp"
#include "slurm_test_tokens.hpp"

using namespace gpurun::server::slurm;
using gpurun::ErrorKind;
using gpurun::test::FakeSlurmrestd;

namespace {

// The envelope slurmrestd 22.05 puts around every answer, with `errors` and one more field.
std::string envelope(const std::string& errors, const std::string& extra = "") {
  return R"({"meta":{"plugin":{"type":"openapi/v0.0.38"}},"errors":[)" + errors + "]" +
         (extra.empty() ? "" : "," + extra) + "}";
}

struct Fixture {
  FakeSlurmrestd fake;
  Credentials credentials{"root", gpurun::test::test_jwt(3600)};
  std::unique_ptr<SlurmApi> api = make_rest_api("v0.0.38", "http://127.0.0.1:16820/", fake, credentials);
};

ErrorKind kind_of(const std::function<void()>& call, std::string* message = nullptr) {
  try {
    call();
  } catch (const gpurun::Error& error) {
    if (message != nullptr) *message = error.what();
    return error.kind();
  }
  FAIL("expected an error");
  return ErrorKind::failure;
}

} // namespace

TEST_SUITE("RestV0038") {
  TEST_CASE("Requests carry the user, the token and the versioned path") {
    Fixture f;
    f.fake.answer("GET /nodes", 200, envelope("", R"("nodes":[{"name":"n1","state":"idle","state_flags":[],)"
                                                  R"j("gres":"gpu:h100:8","gres_used":"gpu:h100:2(IDX:0-1)","partitions":["gpu"]}])j"));
    auto nodes = f.api->nodes();
    REQUIRE(nodes.size() == 1);
    CHECK(nodes[0].name == "n1");
    CHECK(nodes[0].gres_used == "gpu:h100:2(IDX:0-1)");
    CHECK(nodes[0].partitions == std::vector<std::string>{"gpu"});
    const auto& request = f.fake.requests.at(0);
    CHECK(request.url == "http://127.0.0.1:16820/slurm/v0.0.38/nodes");
    CHECK(request.headers.at(0) == std::pair<std::string, std::string>{"X-SLURM-USER-NAME", "root"});
    CHECK(request.headers.at(1).first == "X-SLURM-USER-TOKEN");
  }

  TEST_CASE("A submission sends the job properties slurmrestd needs") {
    Fixture f;
    f.fake.answer("POST /job/submit", 200, envelope("", R"("job_id":42,"step_id":"BATCH")"));
    JobRequest request;
    request.name = "gpurun-demo-train";
    request.script = "#!/bin/bash\nexec 'true'\n";
    request.working_dir = "/scratch";
    request.standard_output = "/scratch/r.out";
    request.environment = {{"PATH", "/usr/bin:/bin"}};
    request.gpus_per_node = "h100:2";
    request.time_limit_minutes = 10;
    CHECK(f.api->submit(request) == 42);
    auto body = nlohmann::json::parse(f.fake.requests.at(0).body);
    CHECK(body["script"] == request.script);
    CHECK(body["job"]["gpus_per_node"] == "h100:2");
    CHECK(body["job"]["time_limit"] == 10);
    CHECK(body["job"]["environment"]["PATH"] == "/usr/bin:/bin");
    CHECK(body["job"]["nodes"] == nlohmann::json::array({1, 1}));
    CHECK(body["job"]["requeue"] == false);
    CHECK(body["job"]["open_mode"] == "append");
    CHECK_FALSE(body["job"].contains("partition"));
    CHECK_FALSE(body["job"].contains("standard_error"));
  }

  TEST_CASE("The environment is sent as an object even when empty") {
    Fixture f;
    f.fake.answer("POST /job/submit", 200, envelope("", R"("job_id":1)"));
    f.api->submit(JobRequest{});
    auto body = nlohmann::json::parse(f.fake.requests.at(0).body);
    CHECK(body["job"]["environment"].is_object());
  }

  TEST_CASE("Error 2014 means no node can ever run the job") {
    Fixture f;
    f.fake.answer("POST /job/submit", 500,
                  envelope(R"({"error_code":2014,"error":"Requested node configuration is not available"})"));
    JobRequest request;
    request.gpus_per_node = "h100:9";
    std::string message;
    CHECK(kind_of([&] { f.api->submit(request); }, &message) == ErrorKind::no_capacity);
    CHECK(message == "cannot submit the job (gpus_per_node h100:9): Slurm says no node can ever run it (Requested "
                     "node configuration is not available)");
  }

  TEST_CASE("401 names the user and where the token came from") {
    Fixture f;
    f.fake.answer("GET /nodes", 401, "Authentication failure");
    std::string message;
    CHECK(kind_of([&] { f.api->nodes(); }, &message) == ErrorKind::auth);
    CHECK(message == "cannot list the nodes: slurmrestd refused user 'root' (HTTP 401): check the user name and the "
                     "token (SLURM_JWT)");
  }

  TEST_CASE("An expired token is named as such") {
    FakeSlurmrestd fake;
    Credentials credentials{"root", gpurun::test::test_jwt(-60)};
    auto api = make_rest_api("v0.0.38", "http://h:1", fake, credentials);
    fake.answer("GET /nodes", 500, envelope(R"({"error":"Unspecified error","errno":-1})"));
    std::string message;
    CHECK(kind_of([&] { api->nodes(); }, &message) == ErrorKind::auth);
    CHECK(message.starts_with("cannot list the nodes: the Slurm token (SLURM_JWT) expired at "));
    CHECK(message.ends_with(" UTC; mint a new one (scontrol token)"));
  }

  TEST_CASE("A refused token that has not expired, or a silent slurmctld, is a retryable failure") {
    Fixture f;
    f.fake.answer("GET /job/3", 500,
                  envelope(R"({"description":"Unable to find JobId=3","error_number":-1,"error":"Unspecified error","source":"slurm_load_job"})",
                           R"("jobs":[])"));
    std::string message;
    CHECK(kind_of([&] { f.api->job(3); }, &message) == ErrorKind::unreachable);
    CHECK(message == "cannot read job 3: Slurm answered \"Unspecified error: Unable to find JobId=3\": slurmctld did "
                     "not accept the token (SLURM_JWT) or did not answer");
  }

  TEST_CASE("An unknown job is not found") {
    Fixture f;
    f.fake.answer("GET /job/999", 500,
                  envelope(R"({"description":"Unable to find JobId=999","error_number":2017,"error":"Invalid job id specified"})",
                           R"("jobs":[])"));
    CHECK(kind_of([&] { f.api->job(999); }) == ErrorKind::not_found);
    f.fake.answer("DELETE /job/999", 500, envelope(R"({"error_number":2017,"error":"Invalid job id specified"})"));
    CHECK(kind_of([&] { f.api->cancel(999); }) == ErrorKind::not_found);
  }

  TEST_CASE("A path the daemon does not serve hints at the API version") {
    Fixture f;
    std::string message;
    CHECK(kind_of([&] { f.api->ping(); }, &message) == ErrorKind::failure);
    CHECK(message == "cannot ping slurmctld: slurmrestd answered HTTP 404: Not Found (does slurmrestd serve openapi/v0.0.38?)");
  }

  TEST_CASE("A read meeting a closed connection is sent again; a submission is not") {
    Fixture f;
    f.fake.refuse("GET /job/7");
    f.fake.answer("GET /job/7", 200, envelope("", R"("jobs":[{"job_id":7,"job_state":"RUNNING","exit_code":0,"nodes":"n1"}])"));
    CHECK(f.api->job(7).state == "RUNNING");
    CHECK(f.fake.requests.size() == 2);

    f.fake.refuse("POST /job/submit");
    std::string message;
    CHECK(kind_of([&] { f.api->submit(JobRequest{}); }, &message) == ErrorKind::unreachable);
    CHECK(message == "cannot submit the job: slurmrestd at http://127.0.0.1:16820 is not reachable (cannot reach "
                     "http://127.0.0.1:16820/slurm/v0.0.38/job/submit: Couldn't connect to server)");
    CHECK(f.fake.requests.size() == 3);
  }

  TEST_CASE("A job's fields are read, exit_code as the raw wait status") {
    Fixture f;
    f.fake.answer("GET /job/5", 200,
                  envelope("", R"("jobs":[{"job_id":5,"job_state":"FAILED","state_reason":"NonZeroExitCode","nodes":"h100node",)"
                               R"("gres_detail":[],"tres_per_node":"gres:gpu:h100:2","exit_code":768,"comment":"gpurun run r attempt 1"}])"));
    SlurmJob job = f.api->job(5);
    CHECK(job.state == "FAILED");
    CHECK(job.state_reason == "NonZeroExitCode");
    CHECK(job.exit_code == 768);
    CHECK(job.tres_per_node == "gres:gpu:h100:2");
    CHECK(job.comment == "gpurun run r attempt 1");
  }

  TEST_CASE("An unsupported API version is refused with the ones this build speaks") {
    FakeSlurmrestd fake;
    Credentials credentials{"root", "t"};
    CHECK_THROWS_WITH_AS(make_rest_api("v0.0.40", "http://h:1", fake, credentials),
                         "slurmrestd API version 'v0.0.40' is not supported; this build speaks v0.0.38", gpurun::Error);
  }
}
