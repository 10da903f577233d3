#include <doctest/doctest.h>

#include "server/slurm/job_status.hpp"

using namespace gpurun::server::slurm;
using gpurun::core::RunState;

TEST_SUITE("JobStatus") {
  TEST_CASE("A wait status decodes into an exit code or a signal") {
    CHECK(decode_wait_status(0).exit_code == 0);
    CHECK(decode_wait_status(768).exit_code == 3);
    CHECK_FALSE(decode_wait_status(768).signal.has_value());
    CHECK(decode_wait_status(255 << 8).exit_code == 255);
    CHECK(decode_wait_status(9).signal == 9);
    CHECK_FALSE(decode_wait_status(9).exit_code.has_value());
    CHECK(decode_wait_status(15).signal == 15);
    CHECK(decode_wait_status(0x80 | 11).signal == 11); // SIGSEGV with a core dump
    auto stopped = decode_wait_status(0x137f);           // stopped: neither
    CHECK_FALSE(stopped.exit_code.has_value());
    CHECK_FALSE(stopped.signal.has_value());
  }

  TEST_CASE("Slurm job states map to run states") {
    CHECK(run_state_for("PENDING") == RunState::queued);
    CHECK(run_state_for("RUNNING") == RunState::running);
    CHECK(run_state_for("COMPLETING") == RunState::running);
    CHECK(run_state_for("COMPLETED") == RunState::succeeded);
    CHECK(run_state_for("FAILED") == RunState::failed);
    CHECK(run_state_for("NODE_FAIL") == RunState::failed);
    CHECK(run_state_for("CANCELLED") == RunState::cancelled);
    CHECK(run_state_for("TIMEOUT") == RunState::timed_out);
    CHECK(run_state_for("SOMETHING_NEW") == RunState::running);
  }

  TEST_CASE("Waiting and Slurm-side failures are described") {
    CHECK(describe_job_state("PENDING", "Resources") == "waiting in Slurm's queue: Resources");
    CHECK(describe_job_state("PENDING", "None") == "waiting in Slurm's queue");
    CHECK(describe_job_state("FAILED", "BadConstraints") == "Slurm: the job failed: BadConstraints");
    CHECK(describe_job_state("FAILED", "NonZeroExitCode").empty());
    CHECK(describe_job_state("COMPLETED", "None").empty());
    CHECK(describe_job_state("NODE_FAIL", "None") == "Slurm: the node failed (NODE_FAIL)");
  }
}
