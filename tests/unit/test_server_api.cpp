#include <doctest/doctest.h>

#include <fstream>
#include <set>

#include "api_fixture.hpp"

using namespace gpurun;
using namespace gpurun::server;
using nlohmann::json;

namespace {

using Fixture = testing::ApiFixture;

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
    for (const auto& route : Api::route_names()) { // not a structured binding: clang 14 cannot capture one
      if (route.second == "/v1/health") continue;
      request.method = route.first;
      request.path = route.second;
      request.headers = {{"authorization", "Bearer wrong"}};
      ApiResponse response = f.api.handle(request);
      CHECK_MESSAGE(response.status == 401, route.first, " ", route.second);
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

namespace {

std::string read_stream(const ApiResponse& response) {
  std::string out;
  if (response.stream) response.stream([&](std::string_view data) {
      out += data;
      return true;
    });
  return out;
}

} // namespace

TEST_SUITE("Api") {
  TEST_CASE("A token in the URL is refused on every route, even with the header") {
    Fixture f;
    for (const char* query : {"token=secret", "access_token=secret", "api_key=x"}) {
      ApiResponse r = f.call("GET", std::string("/v1/runs?") + query);
      CHECK(r.status == 400);
      CHECK(body(r)["code"] == "token_in_url");
      CHECK(r.body.find("secret") == std::string::npos);
    }
    CHECK(f.call("GET", "/v1/health?token=x").status == 400);
  }

  TEST_CASE("Bodies nested deeper than 64 levels are refused before parsing") {
    Fixture f;
    auto nested = [](int depth) { return std::string(static_cast<size_t>(depth), '[') + std::string(static_cast<size_t>(depth), ']'); };
    ApiResponse deep = f.call("PUT", "/v1/apps/demo", R"({"functions": {"f": {"command": ["x"], "env": )" + nested(200000) + "}}}");
    CHECK(deep.status == 400);
    CHECK(body(deep)["detail"] == "the request body nests deeper than 64 levels");
    // Brackets inside strings do not count; 64 levels are fine for the parser.
    CHECK(body(f.call("PUT", "/v1/apps/demo", R"({"functions": {"f": {"command": ["[[[[{{{{\"]"]}}})"))["app"] == "demo");
    CHECK(body(f.call("POST", "/v1/apps/demo/functions/f/runs", R"({"args": )" + nested(62) + "}"))["code"] == "invalid_args");
  }

  TEST_CASE("Logs are read by offset and limit, and followed logs are bounded in number") {
    testing::TempDir dir;
    Store store{dir / "state.db"};
    testing::FakeExecutor executor;
    executor.base = *core::load_inventory_text("nodes: [{name: a, gpus: {H100: 1}}]", "inv").inventory;
    Scheduler scheduler{store, executor, SchedulerOptions{dir / "runs", std::chrono::milliseconds(10)}};
    ApiOptions options{"", "test", std::chrono::milliseconds(1)};
    options.max_follows = 1;
    Api api{store, scheduler, options};
    scheduler.start(false);
    auto call = [&](const std::string& method, const std::string& path, std::map<std::string, std::string> query = {},
                    const std::string& payload = "") {
      ApiRequest request;
      request.method = method;
      request.path = path;
      request.query = std::move(query);
      request.body = payload;
      return api.handle(request);
    };
    REQUIRE(call("PUT", "/v1/apps/demo", {}, R"({"functions": {"f": {"command": ["true"]}}})").status == 201);
    const std::string id = json::parse(call("POST", "/v1/apps/demo/functions/f/runs").body)["id"];
    scheduler.tick();
    std::ofstream(dir / ("runs/" + id + "/stdout")) << "0123456789";
    const std::string logs = "/v1/runs/" + id + "/logs";
    CHECK(read_stream(call("GET", logs, {{"offset", "2"}, {"limit", "3"}})) == "234");
    CHECK(read_stream(call("GET", logs, {{"offset", "8"}})) == "89");
    CHECK(read_stream(call("GET", logs, {{"limit", "0"}})).empty());
    CHECK(read_stream(call("GET", logs, {{"offset", "99"}})).empty());
    for (const char* bad : {"-1", "x", "", "99999999999999999"}) {
      ApiResponse r = call("GET", logs, {{"limit", bad}});
      CHECK(r.status == 400);
      CHECK(body(r)["code"] == "invalid_range");
    }

    ApiResponse first = call("GET", logs, {{"follow", "true"}});
    CHECK(first.status == 200);
    ApiResponse second = call("GET", logs, {{"follow", "true"}});
    CHECK(second.status == 503);
    CHECK(body(second)["code"] == "too_many_follows");
    first = ApiResponse(); // the stream is gone: its place is free again
    CHECK(call("GET", logs, {{"follow", "true"}}).status == 200);
  }
}
