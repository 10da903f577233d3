#pragma once
// The API over a real Store and Scheduler in a temporary folder, with the fake executor: the
// fixture of the API's unit tests. Requests carry the token "secret" unless they set their own.

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "server/api.hpp"
#include "server_fakes.hpp"

namespace gpurun::testing {

struct ApiFixture {
  TempDir dir;
  server::Store store{dir / "state.db"};
  FakeExecutor executor;
  server::Scheduler scheduler{store, executor,
                              server::SchedulerOptions{dir / "runs", std::chrono::milliseconds(10)}};
  server::Api api{store, scheduler, server::ApiOptions{"secret", "test", std::chrono::milliseconds(1)}};

  ApiFixture() {
    executor.base = *core::load_inventory_text("nodes: [{name: a, gpus: {H100: 1}}]", "inv").inventory;
    scheduler.start(false);
  }

  // call METHOD PATH[?NAME=VALUE] [BODY] [HEADERS]
  server::ApiResponse call(const std::string& method, const std::string& path, const std::string& body = "",
                           std::map<std::string, std::string> headers = {}) {
    server::ApiRequest request;
    request.method = method;
    request.path = path.substr(0, path.find('?'));
    if (size_t q = path.find('?'); q != std::string::npos) {
      std::string query = path.substr(q + 1);
      size_t eq = query.find('=');
      request.query[query.substr(0, eq)] = query.substr(eq + 1);
    }
    request.body = body;
    request.headers = std::move(headers);
    request.headers.try_emplace("authorization", "Bearer secret");
    return api.handle(request);
  }

  // The error code of a response ("" when it has none).
  static std::string code(const server::ApiResponse& response) {
    return nlohmann::json::parse(response.body).value("code", "");
  }
};

} // namespace gpurun::testing
