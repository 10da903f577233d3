// Load generators for the benchmarks (bench/control_plane.sh, bench/peers.sh).
//
//   gpurun_bench_submit gpurun ENDPOINT TOKEN APP FUNCTION [CLIENTS] [SECONDS]
//   gpurun_bench_submit slurmrestd URL USER JWT [CLIENTS] [SECONDS]
//       N client threads, each on one keep-alive connection (core::HttpClient), submit for a fixed
//       time. For gpurun every 201 is a durable submission (the server answers after its commit is
//       fsynced); for slurmrestd every job id returned by POST /job/submit (held jobs, so that the
//       cluster only records them, as gpurun's runs only wait). Prints one JSON line.
//   gpurun_bench_submit latency ENDPOINT TOKEN APP FUNCTION COUNT MARK_DIR
//       One run at a time: the time from just before the submission to the function's process
//       writing $EPOCHREALTIME into MARK_DIR/<run id> (its first act). Prints one JSON line.

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "core/http_client.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using gpurun::core::HttpClient;
using gpurun::core::HttpRequest;
using gpurun::core::HttpResponse;

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(p * static_cast<double>(values.size())))];
}

// What one submission looks like for a target: the request, and whether the answer is a success.
struct Target {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool idempotency_key = false;
  bool (*accepted)(const HttpResponse&) = nullptr;
};

bool gpurun_accepted(const HttpResponse& response) { return response.status == 201; }

// slurmrestd lists "Job is in held state" (2042) among the errors of a held job it accepted.
bool slurm_accepted(const HttpResponse& response) {
  if (response.status != 200) return false;
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (!body.is_object() || !body.contains("job_id")) return false;
  for (const auto& error : body.value("errors", nlohmann::json::array()))
    if (!error.is_object() || error.value("error_code", 0) != 2042) return false;
  return true;
}

int load(const Target& target, int clients, double seconds) {
  std::atomic<long> ok{0};
  std::atomic<long> errors{0};
  std::vector<std::vector<double>> latencies(static_cast<size_t>(clients));
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      HttpClient http;
      long n = 0;
      while (Clock::now() < deadline) {
        HttpRequest request;
        request.method = "POST";
        request.url = target.url;
        request.body = target.body;
        request.headers = target.headers;
        if (target.idempotency_key)
          request.headers.emplace_back("Idempotency-Key", fmt::format("bench-{}-{}-{}", start.time_since_epoch().count(), c, n++));
        const auto t0 = Clock::now();
        try {
          (target.accepted(http.send(request)) ? ok : errors)++;
        } catch (const gpurun::Error&) {
          errors++;
        }
        latencies[static_cast<size_t>(c)].push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  fmt::print("{{\"clients\": {}, \"seconds\": {:.2f}, \"submitted\": {}, \"errors\": {}, \"per_second\": {:.0f}, "
             "\"p50_ms\": {:.2f}, \"p99_ms\": {:.2f}}}\n",
             clients, elapsed, ok.load(), errors.load(), static_cast<double>(ok.load()) / elapsed, percentile(all, 0.5),
             percentile(all, 0.99));
  return errors.load() == 0 ? 0 : 1;
}

long long now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int latency(const std::string& endpoint, const std::string& token, const std::string& app, const std::string& function,
            int count, const std::string& mark_dir) {
  HttpClient http;
  std::vector<double> ms;
  for (int i = 0; i < count; ++i) {
    HttpRequest request;
    request.method = "POST";
    request.url = endpoint + "/v1/apps/" + app + "/functions/" + function + "/runs";
    request.body = "{}";
    request.headers = {{"Authorization", "Bearer " + token},
                       {"Content-Type", "application/json"},
                       {"Idempotency-Key", fmt::format("latency-{}-{}", now_us(), i)}};
    const long long submitted = now_us();
    HttpResponse response = http.send(request);
    if (response.status != 201) throw gpurun::Error(fmt::format("submit: HTTP {}: {}", response.status, response.body));
    const std::string id = nlohmann::json::parse(response.body).at("id").get<std::string>();
    const std::string mark = mark_dir + "/" + id;
    long long started = 0;
    for (const auto give_up = Clock::now() + std::chrono::seconds(30); started == 0;) {
      std::ifstream in(mark);
      std::string text;
      if (in >> text && text.size() > 1) started = std::atoll(text.c_str());
      if (started == 0 && Clock::now() > give_up) throw gpurun::Error("run " + id + " did not start within 30 s");
      if (started == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    ms.push_back(static_cast<double>(started - submitted) / 1000.0);
  }
  fmt::print("{{\"runs\": {}, \"p50_ms\": {:.1f}, \"p99_ms\": {:.1f}, \"max_ms\": {:.1f}}}\n", count, percentile(ms, 0.5),
             percentile(ms, 0.99), percentile(ms, 1.0));
  return 0;
}

int usage() {
  fmt::print(stderr, "usage: gpurun_bench_submit gpurun ENDPOINT TOKEN APP FUNCTION [CLIENTS] [SECONDS]\n"
                     "       gpurun_bench_submit slurmrestd URL USER JWT [CLIENTS] [SECONDS]\n"
                     "       gpurun_bench_submit latency ENDPOINT TOKEN APP FUNCTION COUNT MARK_DIR\n");
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() >= 5 && args[0] == "gpurun") {
      Target target{args[1] + "/v1/apps/" + args[3] + "/functions/" + args[4] + "/runs",
                    {{"Authorization", "Bearer " + args[2]}, {"Content-Type", "application/json"}}, "{}", true,
                    gpurun_accepted};
      return load(target, args.size() > 5 ? std::stoi(args[5]) : 32, args.size() > 6 ? std::stod(args[6]) : 5.0);
    }
    if (args.size() >= 4 && args[0] == "slurmrestd") {
      const nlohmann::json job = {
          {"script", "#!/bin/sh\ntrue\n"},
          {"job",
           {{"name", "bench"}, {"hold", true}, {"environment", {{"PATH", "/usr/bin:/bin"}}},
            {"current_working_directory", "/tmp"}, {"standard_output", "/dev/null"}}}};
      Target target{args[1] + "/slurm/v0.0.38/job/submit",
                    {{"X-SLURM-USER-NAME", args[2]}, {"X-SLURM-USER-TOKEN", args[3]}, {"Content-Type", "application/json"}},
                    job.dump(), false, slurm_accepted};
      return load(target, args.size() > 4 ? std::stoi(args[4]) : 32, args.size() > 5 ? std::stod(args[5]) : 5.0);
    }
    if (args.size() == 7 && args[0] == "latency")
      return latency(args[1], args[2], args[3], args[4], std::stoi(args[5]), args[6]);
  } catch (const std::exception& e) {
    fmt::print(stderr, "gpurun_bench_submit: {}\n", e.what());
    return 1;
  }
  return usage();
}
