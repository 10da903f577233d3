// Load generator for the control plane: N client threads, each on one keep-alive connection
// (core::HttpClient), submit runs with fresh Idempotency-Keys for a fixed time. Every 201 is a
// durable submission (the server answers after its commit is fsynced). Prints one JSON line.
//
//   gpurun_bench_submit ENDPOINT TOKEN APP FUNCTION [CLIENTS] [SECONDS]

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "core/http_client.hpp"

int main(int argc, char** argv) {
  using Clock = std::chrono::steady_clock;
  if (argc < 5) {
    fmt::print(stderr, "usage: gpurun_bench_submit ENDPOINT TOKEN APP FUNCTION [CLIENTS] [SECONDS]\n");
    return 2;
  }
  const std::string url = std::string(argv[1]) + "/v1/apps/" + argv[3] + "/functions/" + argv[4] + "/runs";
  const std::string auth = std::string("Bearer ") + argv[2];
  const int clients = argc > 5 ? std::atoi(argv[5]) : 32;
  const double seconds = argc > 6 ? std::atof(argv[6]) : 5.0;

  std::atomic<long> ok{0};
  std::atomic<long> errors{0};
  std::vector<std::vector<double>> latencies(static_cast<size_t>(clients));
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      gpurun::core::HttpClient http;
      long n = 0;
      while (Clock::now() < deadline) {
        gpurun::core::HttpRequest request;
        request.method = "POST";
        request.url = url;
        request.body = "{}";
        request.headers = {{"Authorization", auth},
                           {"Content-Type", "application/json"},
                           {"Idempotency-Key", fmt::format("bench-{}-{}-{}", start.time_since_epoch().count(), c, n++)}};
        const auto t0 = Clock::now();
        try {
          gpurun::core::HttpResponse response = http.send(request);
          if (response.status == 201) ok++;
          else errors++;
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
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) { return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(p * static_cast<double>(all.size())))]; };
  fmt::print("{{\"clients\": {}, \"seconds\": {:.2f}, \"submitted\": {}, \"errors\": {}, \"per_second\": {:.0f}, "
             "\"p50_ms\": {:.2f}, \"p99_ms\": {:.2f}}}\n",
             clients, elapsed, ok.load(), errors.load(), static_cast<double>(ok.load()) / elapsed, pct(0.5), pct(0.99));
  return errors.load() == 0 ? 0 : 1;
}
