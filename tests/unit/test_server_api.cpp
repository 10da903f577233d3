#include <doctest/doctest.h>

#include <fstream>
#include <set>

#include "server/api.hpp"
#include "server_fakes.hpp"

using namespace gpurun;
using namespace gpurun::server;
using nlohmann::json;

namespace {

struct Fixture {
  testing::TempDir dir;
  Store store{dir / "state.db"};
  testing::FakeExecutor executor;
  Scheduler scheduler{store, executor, SchedulerOptions{dir / "runs", std::chrono::milliseconds(10)}};
  Api api{store, scheduler, ApiOptions{"secret", "test", std::chrono::milliseconds(1)}};

  Fixture() {
    executor.base = *core::load_inventory_text("nodes: [{name: a, gpus: {H100: 1}}]", "inv").inventory;
    scheduler.start(false);
  }
  ApiResponse call(const std::string& method, const std::string& path, const std::string& body = "",
                   std::map<std::string, std::string> headers = {}) {
    ApiRequest request;
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
};

json body(const ApiResponse& response) { return json::parse(response.body); }

} // namespace

TEST_SUITE("Api") {
  TEST_CASE("The OpenAPI document and the routes agree") {
    json doc = json::parse(std::string(openapi_document()));
    std::ifstream file(std::string(GPURUN_SOURCE_DIR) + "/server/openapi.json");
    CHECK(json::parse(file) == doc); // the compiled-in copy is the repository's
    std::set<std::pair<std::string, std::string>> documented;
    for (const auto& [path, item] : doc["paths"].items())
      for (const auto& [method, operation] : item.items())
        if (method != "parameters") {
          std::string upper = method;
          for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
          documented.insert({upper, path});
        }
    std::set<std::pair<std::string, std::string>> served;
    for (const auto& route : Api::route_names()) served.insert(route);
    CHECK(documented == served);
  }

  TEST_CASE("Every route but health needs the bearer token") {
    Fixture f;
    ApiRequest request;
    request.method = "GET";
    request.path = "/v1/health";
    CHECK(f.api.handle(request).status == 200);
    for (const auto& [method, path] : Api::route_names()) {
      if (path == "/v1/health") continue;
      request.method = method;
      request.path = path;
      request.headers = {{"authorization", "Bearer wrong"}};
      ApiResponse response = f.api.handle(request);
      CHECK_MESSAGE(response.status == 401, method, " ", path);
      CHECK(response.content_type == "application/problem+json");
    }
  }

  TEST_CASE("Deploy, submit with an idempotency key, read back") {
    Fixture f;
    const std::string manifest = R"({"functions": {"f": {"command": ["echo", "hi"], "gpu": "H100"}}})";
    ApiResponse deployed = f.call("PUT", "/v1/apps/demo", manifest);
    CHECK(deployed.status == 201);
    CHECK(body(deployed)["changed"] == true);
    CHECK(body(f.call("PUT", "/v1/apps/demo", manifest))["changed"] == false);

    ApiResponse first = f.call("POST", "/v1/apps/demo/functions/f/runs", R"({"args": ["x"]})", {{"idempotency-key", "k"}});
    CHECK(first.status == 201);
    ApiResponse again = f.call("POST", "/v1/apps/demo/functions/f/runs", R"({"args": ["x"]})", {{"idempotency-key", "k"}});
    CHECK(again.status == 200);
    CHECK(body(again)["id"] == body(first)["id"]);
    ApiResponse conflict = f.call("POST", "/v1/apps/demo/functions/f/runs", R"({"args": ["y"]})", {{"idempotency-key", "k"}});
    CHECK(conflict.status == 422);
    CHECK(body(conflict)["code"] == "idempotency_key_reused");

    const std::string id = body(first)["id"];
    f.scheduler.tick();
    json run = body(f.call("GET", "/v1/runs/" + id));
    CHECK(run["state"] == "running");
    CHECK(run["placement"]["type"] == "H100");
    CHECK(run["args"] == json::array({"x"}));
    CHECK(body(f.call("GET", "/v1/runs?state=running"))["runs"].size() == 1);
  }

  TEST_CASE("Bad input is a 4xx problem with a stable code") {
    Fixture f;
    auto code = [&](const std::string& method, const std::string& path, const std::string& payload = "") {
      ApiResponse r = f.call(method, path, payload);
      CHECK(r.content_type == "application/problem+json");
      return std::to_string(r.status) + " " + body(r)["code"].get<std::string>();
    };
    CHECK(code("PUT", "/v1/apps/demo", "{") == "400 invalid_json");
    CHECK(code("PUT", "/v1/apps/demo", R"({"functions": {"f": {"command": ["x"], "gpu": "H100:9"}}})") == "422 invalid_manifest");
    CHECK(code("GET", "/v1/apps/nope") == "404 app_not_found");
    CHECK(code("GET", "/v1/runs/r-1") == "404 run_not_found");
    CHECK(code("GET", "/v1/runs/..") == "400 invalid_id");
    CHECK(code("DELETE", "/v1/runs/r-1") == "405 method_not_allowed");
    CHECK(code("GET", "/nope") == "404 not_found");
    CHECK(f.call("PUT", "/v1/apps/gpu", R"({"functions": {"f": {"command": ["x"], "gpu": "B200:8"}}})").status == 201);
    CHECK(code("POST", "/v1/apps/gpu/functions/f/runs") == "409 no_capacity");
  }
}
