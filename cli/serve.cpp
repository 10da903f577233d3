#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>

#include "cli/context.hpp"
#include "core/error.hpp"
#include "core/local_paths.hpp"
#include "server/serve.hpp"

#ifndef GPURUN_VERSION
#define GPURUN_VERSION "unknown"
#endif

namespace gpurun::cli {

void add_serve(CLI::App& root, Context& context) {
  struct Options {
    std::string listen = "127.0.0.1:0";
    std::string state;
    std::string inventory;
    std::string executor = "local";
    std::string grace = "10s";
    size_t max_body = 1024 * 1024;
    size_t max_blob = size_t{1} << 30;
    std::string schedule_clock;
    std::string slurm_url;
    std::string slurm_user;
    std::string slurm_token_file;
    std::string slurm_gres_map;
    std::string slurm_partition;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = root.add_subcommand("serve", "Run the control plane: the HTTP API, its state and the runs");
  command->add_option("--listen", options->listen, "HOST:PORT to listen on; port 0 picks a free one (written to STATE/endpoint)")
      ->envname("GPURUN_LISTEN")
      ->capture_default_str();
  context.file_options.push_back(
      command->add_option("--state", options->state, "State folder (default $XDG_STATE_HOME/gpurun)")->envname("GPURUN_STATE"));
  context.file_options.push_back(
      command->add_option("--inventory", options->inventory, "Declared inventory YAML: simulated GPUs instead of this machine's")
          ->envname("GPURUN_INVENTORY"));
  CLI::Option* executor = command->add_option("--executor", options->executor, "Where runs execute: local, or slurm (jobs through slurmrestd)")
                              ->envname("GPURUN_EXECUTOR")
                              ->capture_default_str();
  context.value_hints[executor] = {"local", "slurm"};
  command->add_option("--grace", options->grace, "Time between SIGTERM and SIGKILL when a run is cancelled or times out")
      ->envname("GPURUN_GRACE")
      ->capture_default_str();
  command->add_option("--max-body", options->max_body, "Largest request body accepted, in bytes")
      ->envname("GPURUN_MAX_BODY")
      ->capture_default_str();
  command->add_option("--max-blob", options->max_blob, "Largest file of a build context accepted (PUT /v1/blobs), in bytes")
      ->envname("GPURUN_MAX_BLOB")
      ->capture_default_str();

  context.file_options.push_back(
      command->add_option("--schedule-clock", options->schedule_clock,
                          "For tests: read the time schedules fire by from this file (seconds since the epoch)")
          ->envname("GPURUN_SCHEDULE_CLOCK"));
  command->add_option("--slurm-url", options->slurm_url, "With --executor slurm: slurmrestd, http://HOST:PORT")
      ->envname("GPURUN_SLURM_URL");
  command->add_option("--slurm-user", options->slurm_user, "With --executor slurm: the Slurm user the jobs run as")
      ->envname("GPURUN_SLURM_USER");
  context.file_options.push_back(
      command->add_option("--slurm-token-file", options->slurm_token_file,
                          "With --executor slurm: a file holding the JWT, read again when it changes (default: $SLURM_JWT)")
          ->envname("GPURUN_SLURM_TOKEN_FILE"));
  command->add_option("--slurm-gres-map", options->slurm_gres_map,
                      "With --executor slurm: GRES types to catalog types, as a100=A100-80GB,h100=H100")
      ->envname("GPURUN_SLURM_GRES_MAP");
  command->add_option("--slurm-partition", options->slurm_partition,
                      "With --executor slurm: the partition to submit to and place on (default: the cluster's default)")
      ->envname("GPURUN_SLURM_PARTITION");

  command->callback([options, &context] {
    context.action = [options] {
      server::ServeOptions serve;
      serve.listen = options->listen;
      serve.state_dir = options->state.empty() ? core::default_state_dir() : options->state;
      if (!options->inventory.empty()) serve.inventory_path = options->inventory;
      serve.executor = options->executor;
      if (serve.executor == "slurm") {
        serve.slurm.url = options->slurm_url;
        serve.slurm.user = options->slurm_user;
        serve.slurm.token_file = options->slurm_token_file;
        if (const char* jwt = std::getenv("SLURM_JWT")) serve.slurm.token = jwt; // Slurm's own variable
        serve.slurm.gres_types = server::slurm::GresTypeMap::parse(options->slurm_gres_map);
        serve.slurm.partition = options->slurm_partition;
      }
      const std::chrono::milliseconds grace = parse_duration_option("--grace", options->grace);
      serve.grace = std::max(std::chrono::seconds(1), std::chrono::duration_cast<std::chrono::seconds>(grace));
      serve.max_body = options->max_body;
      serve.max_blob = options->max_blob;
      serve.schedule_clock = options->schedule_clock;
      // This very binary checks the GPUs; a build without CUDA could only ever fail the check.
      if (GPURUN_HAVE_CUDA) serve.smoke_gate = std::filesystem::read_symlink("/proc/self/exe").string();
      serve.version = GPURUN_VERSION;
      serve.say = [](const std::string& line) { fmt::print(stderr, "{}\n", line); std::fflush(stderr); };
      server::serve(serve);
      return ExitCode::ok;
    };
  });
}

} // namespace gpurun::cli
