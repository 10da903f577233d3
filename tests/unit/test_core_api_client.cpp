#include <doctest/doctest.h>

#include <deque>

#include "core/api_client.hpp"
#include "core/error.hpp"

using namespace gpurun;
using namespace gpurun::core;

namespace {

// Answers from a script: a status and body, or a transport failure (status 0).
class ScriptedTransport final : public HttpTransport {
public:
  std::deque<HttpResponse> answers;
  std::vector<HttpRequest> requests;

  HttpResponse send(const HttpRequest& request) override {
    requests.push_back(request);
    HttpResponse next = answers.front();
    answers.pop_front();
    if (next.status == 0) throw Error("cannot reach " + request.url + ": Connection refused", ErrorKind::unreachable);
    return next;
  }
  HttpResponse stream(const HttpRequest& request, const std::function<bool(std::string_view)>& on_data) override {
    HttpResponse r = send(request);
    if (r.status < 400) on_data(r.body);
    return r;
  }
};

std::string header(const HttpRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

struct Fixture {
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  std::vector<std::chrono::milliseconds> sleeps;
  ApiClient client{ApiConfig{"http://cp:1/", "tok", 4, std::chrono::milliseconds(100), {}}, transport,
                   [this](std::chrono::milliseconds d) { sleeps.push_back(d); }};
};

HttpResponse answer(long status, std::string body = "") { return HttpResponse{status, {}, std::move(body)}; }

} // namespace

TEST_SUITE("ApiClient") {
  TEST_CASE("Arguments and secret values that are not UTF-8 are refused before anything is sent") {
    Fixture f;
    CHECK_THROWS_WITH(f.client.submit("demo", "f", {"ok", "caf\xe9"}, "k"), "argument 2 of the run is not UTF-8 text");
    CHECK_THROWS_WITH(f.client.set_secret("s", {{"TOKEN", "\xff"}}), "the value of TOKEN is not UTF-8 text");
    CHECK(f.transport->requests.empty());
  }

  TEST_CASE("A submission is retried with backoff and the same Idempotency-Key") {
    Fixture f;
    f.transport->answers = {answer(0), answer(503), answer(201, R"({"id": "r-1"})")};
    nlohmann::json run = f.client.submit("demo", "f", {"a"}, "key-1");
    CHECK(run["id"] == "r-1");
    REQUIRE(f.transport->requests.size() == 3);
    for (const HttpRequest& r : f.transport->requests) {
      CHECK(header(r, "Idempotency-Key") == "key-1");
      CHECK(header(r, "Authorization") == "Bearer tok");
      CHECK(r.url == "http://cp:1/v1/apps/demo/functions/f/runs");
    }
    CHECK(f.sleeps == std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(100), std::chrono::milliseconds(200)});
  }

  TEST_CASE("Refused connections end in one clear error after the last try") {
    Fixture f;
    f.transport->answers = {answer(0), answer(0), answer(0), answer(0)};
    CHECK_THROWS_WITH(f.client.run("r-1"),
                      "cannot reach the control plane at http://cp:1: Connection refused (is `gpurun serve` running? "
                      "GPURUN_ENDPOINT selects another server)");
    CHECK(f.transport->requests.size() == 4);
  }

  TEST_CASE("Problem answers become errors of the right kind") {
    Fixture f;
    auto kind_of = [&](long status, const std::string& body) {
      f.transport->answers = {answer(status, body)};
      try {
        f.client.run("r-1");
      } catch (const Error& e) {
        return e.kind();
      }
      return ErrorKind::failure;
    };
    CHECK(kind_of(401, R"({"code": "unauthorized", "detail": "no"})") == ErrorKind::auth);
    CHECK(kind_of(404, R"({"code": "run_not_found", "detail": "no run 'r-1'"})") == ErrorKind::not_found);
    CHECK(kind_of(409, R"({"code": "no_capacity", "detail": "never"})") == ErrorKind::no_capacity);
    CHECK(kind_of(400, R"({"code": "invalid_json", "detail": "bad"})") == ErrorKind::invalid);
    CHECK(kind_of(500, "oops") == ErrorKind::failure);
    f.transport->answers = {answer(404, R"({"code": "run_not_found", "detail": "no run 'r-1'"})")};
    CHECK_THROWS_WITH(f.client.run("r-1"), "no run 'r-1'");
  }

  TEST_CASE("An invalid manifest lists every diagnostic") {
    Fixture f;
    f.transport->answers = {answer(422, R"({"code": "invalid_manifest", "detail": "bad spec",
      "errors": [{"path": "demo.json", "line": 3, "column": 5, "message": "bad spec"}]})")};
    CHECK_THROWS_WITH(f.client.apps(), "bad spec\n  demo.json:3:5: bad spec");
  }
}
