// How much the Slurm path adds to a submission over a direct slurmrestd call.
//
//   direct    POST /job/submit with a ready JSON body, through one keep-alive HttpClient: the
//             least any client of slurmrestd pays.
//   start     SlurmExecutor::start(): script and request built, JSON written, token checked,
//             the same POST, the answer parsed.
//   placed    what the control plane pays per run: inventory() (GET /nodes), resolve() of a
//             fallback chain, then start().
// The three are interleaved round by round, so that the cluster's own drift hits them alike.
// Prints the median and 90th percentile of each, and the medians' differences; exits 1 when
// `start` adds more than the limit (10 ms by default) to `direct`.
//
//   gpurun_slurm_bench [ROUNDS] [LIMIT_MS]    with SLURM_URL, SLURM_JWT, SLURM_JOBS_DIR set
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/http_client.hpp"
#include "core/resolver.hpp"
#include "server/slurm/slurm_executor.hpp"

using namespace gpurun;
using Clock = std::chrono::steady_clock;

namespace {

std::string env_or(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : fallback;
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

struct Stats {
  double median = 0;
  double p90 = 0;
};

Stats stats(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  return {samples[samples.size() / 2], samples[samples.size() * 9 / 10]};
}

} // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(5, std::atoi(argv[1])) : 30;
  const double limit_ms = argc > 2 ? std::atof(argv[2]) : 10.0;
  const std::string url = env_or("SLURM_URL", "");
  const std::string token = env_or("SLURM_JWT", "");
  const std::string jobs = env_or("SLURM_JOBS_DIR", "/tmp");
  if (url.empty() || token.empty()) {
    fmt::print(stderr, "gpurun_slurm_bench: set SLURM_URL and SLURM_JWT (scripts/slurm-cluster env DIR)\n");
    return 2;
  }
  try {
    server::slurm::SlurmConfig config;
    config.url = url;
    config.user = env_or("SLURM_USER", "root");
    config.token = token;
    config.gres_types = server::slurm::GresTypeMap::parse("a100=A100-80GB");
    config.work_dir = jobs;
    server::slurm::SlurmExecutor executor(config);

    // The same job every way: one H100, `true`, output to the jobs folder.
    server::RunLaunch launch;
    launch.app = "bench";
    launch.function = "noop";
    launch.command = {"true"};
    launch.image.base = "host";
    launch.placement = {"H100", 1, "", 0, gpu_spec::Fit::exact};
    launch.timeout = std::chrono::minutes(1);
    launch.stdout_path = jobs + "/bench.out";
    gpu_spec::GpuChain chain = {std::get<gpu_spec::GpuSpec>(gpu_spec::parse_spec("H100")),
                                std::get<gpu_spec::GpuSpec>(gpu_spec::parse_spec("A100-80GB"))};

    core::HttpClient direct_client;
    nlohmann::json body = {
        {"script", "#!/bin/bash\nexec 'true'\n"},
        {"job",
         {{"name", "bench-direct"},
          {"current_working_directory", jobs},
          {"standard_output", jobs + "/bench.out"},
          {"environment", {{"PATH", "/usr/bin:/bin"}}},
          {"gpus_per_node", "h100:1"},
          {"time_limit", 1}}}};
    core::HttpRequest request{"POST", url + "/slurm/v0.0.38/job/submit",
                              {{"X-SLURM-USER-NAME", config.user}, {"X-SLURM-USER-TOKEN", token},
                               {"Content-Type", "application/json"}},
                              body.dump(), ""};

    std::vector<double> direct, start, placed, build;
    for (int round = 0; round < rounds + 1; ++round) {
      launch.run_id = fmt::format("bench-{}", round);
      double d = 0, s = 0, p = 0;
      auto run_direct = [&] {
        Clock::time_point t0 = Clock::now();
        core::HttpResponse response = direct_client.send(request);
        d = ms_since(t0);
        if (response.status != 200) throw Error(fmt::format("direct submit: HTTP {}: {}", response.status, response.body));
      };
      auto run_start = [&] {
        Clock::time_point t0 = Clock::now();
        executor.start(launch);
        s = ms_since(t0);
      };
      auto run_placed = [&] {
        Clock::time_point t0 = Clock::now();
        core::Resolution resolution = core::resolve(chain, executor.inventory());
        server::RunLaunch placed_launch = launch;
        if (resolution.placement) placed_launch.placement = *resolution.placement;
        executor.start(placed_launch);
        p = ms_since(t0);
      };
      // Rotate the order: a submission right after another can wait for slurmctld's scheduling
      // pass that the first one started.
      switch (round % 3) {
      case 0: run_direct(), run_start(), run_placed(); break;
      case 1: run_start(), run_placed(), run_direct(); break;
      default: run_placed(), run_direct(), run_start(); break;
      }
      Clock::time_point t0 = Clock::now();
      (void)executor.job_request(launch);
      double b = ms_since(t0);
      if (round == 0) continue; // the first round opens connections and warms slurmctld
      direct.push_back(d);
      start.push_back(s);
      placed.push_back(p);
      build.push_back(b);
    }
    Stats sd = stats(direct), ss = stats(start), sp = stats(placed), sb = stats(build);
    fmt::print("rounds: {} (each: one direct submit, one start(), one inventory()+resolve()+start())\n", rounds);
    fmt::print("{:<34} {:>9} {:>9}\n", "", "median", "p90");
    fmt::print("{:<34} {:>6.2f} ms {:>6.2f} ms\n", "direct POST /job/submit", sd.median, sd.p90);
    fmt::print("{:<34} {:>6.2f} ms {:>6.2f} ms\n", "SlurmExecutor::start", ss.median, ss.p90);
    fmt::print("{:<34} {:>6.2f} ms {:>6.2f} ms\n", "inventory + resolve + start", sp.median, sp.p90);
    fmt::print("{:<34} {:>6.3f} ms {:>6.3f} ms\n", "building the request (no I/O)", sb.median, sb.p90);
    const double overhead = ss.median - sd.median;
    fmt::print("start() adds {:.2f} ms per submission (median); with inventory and resolve {:.2f} ms; limit {:.1f} ms\n",
               overhead, sp.median - sd.median, limit_ms);
    return overhead <= limit_ms ? 0 : 1;
  } catch (const Error& error) {
    fmt::print(stderr, "gpurun_slurm_bench: error: {}\n", error.what());
    return 1;
  }
}
