#include <doctest/doctest.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/api_client.hpp"
#include "core/copy_files.hpp"
#include "core/error.hpp"
#include "core/manifest_json.hpp"
#include "core/manifest_loader.hpp"
#include "server_fakes.hpp"

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
  // A stream answer with status -1 delivers its body, then the connection drops.
  HttpResponse stream(const HttpRequest& request, const std::function<bool(std::string_view)>& on_data) override {
    if (!answers.empty() && answers.front().status == -1) {
      requests.push_back(request);
      on_data(answers.front().body);
      answers.pop_front();
      throw Error("cannot reach " + request.url + ": Connection reset by peer", ErrorKind::unreachable);
    }
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

// All a followed log of run r-1 delivers.
std::string followed(ApiClient& client) {
  std::string got;
  client.logs("r-1", "stdout", true, [&](std::string_view data) {
    got += data;
    return true;
  });
  return got;
}

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

  TEST_CASE("A deploy uploads each file the server asks for, once, then deploys again") {
    testing::TempDir dir;
    std::filesystem::create_directories(dir.path / "app");
    std::ofstream(dir.path / "app/a.txt") << "same";
    std::ofstream(dir.path / "app/b.txt") << "same";
    std::ofstream(dir.path / "app.yaml") << "app: demo\nimage: {base: localhost/b:1, copy: [{src: app, dst: /app}]}\n"
                                            "functions:\n  f: {command: [ls]}\n";
    ManifestLoad load = load_manifests({dir / "app.yaml"});
    REQUIRE(load.manifest);
    list_copy_files(*load.manifest);
    const std::string sha = sha256_hex("same");
    nlohmann::json missing = {{"code", "missing_blobs"}, {"detail", "missing"},
                              {"missing", {{{"sha256", sha}, {"path", "a.txt"}}, {{"sha256", sha}, {"path", "b.txt"}}}}};
    Fixture f;
    f.transport->answers = {answer(422, missing.dump()), answer(201, R"({"created": true})"),
                            answer(201, R"({"app": "demo", "version": "v", "changed": true})")};
    std::vector<std::pair<size_t, std::uint64_t>> notes;
    nlohmann::json result = f.client.deploy(*load.manifest, [&](size_t files, std::uint64_t bytes) { notes.emplace_back(files, bytes); });
    CHECK(result["version"] == "v");
    REQUIRE(f.transport->requests.size() == 3);
    const HttpRequest& upload = f.transport->requests[1];
    CHECK(upload.method == "PUT");
    CHECK(upload.url == "http://cp:1/v1/blobs/" + sha);
    CHECK(upload.body_file == (dir.path / "app/a.txt").string());
    CHECK(header(upload, "Authorization") == "Bearer tok");
    CHECK(f.transport->requests[2].body == f.transport->requests[0].body);
    CHECK(notes == std::vector<std::pair<size_t, std::uint64_t>>{{1, 4}});
  }

  TEST_CASE("A deploy refused as too large says how many files the manifest lists") {
    Fixture f;
    Manifest manifest;
    manifest.app = "demo";
    ImageSpec image;
    image.base = "localhost/b:1";
    image.copy = {{"app", "/app", std::vector<CopyFile>{{"a", false, std::string(64, 'a'), 1}, {"b", false, std::string(64, 'b'), 1}}}};
    manifest.default_image = image;
    manifest.functions.push_back(Function{});
    manifest.functions.back().name = "f";
    f.transport->answers = {answer(413, R"({"code": "payload_too_large", "detail": "the request body is larger than 10 bytes"})")};
    CHECK_THROWS_WITH(f.client.deploy(manifest),
                      "the control plane refused the manifest: the request body is larger than 10 bytes; it lists 2 copied "
                      "files: raise the server's --max-body, or copy fewer, larger files (an archive)");
  }

  TEST_CASE("A followed log cut short resumes at the byte it reached, until the run has ended") {
    Fixture f;
    const HttpResponse running = answer(200, R"({"state": "running"})");
    f.transport->answers = {answer(-1, "ab"), answer(0),  running, answer(200, "cd"), running, answer(200, "e"),
                            answer(200, R"({"state": "succeeded"})"), answer(200, "")};
    const std::string got = followed(f.client);
    CHECK(got == "abcde");
    std::vector<std::string> urls;
    for (const HttpRequest& r : f.transport->requests) urls.push_back(r.url);
    CHECK(urls == std::vector<std::string>{
                      "http://cp:1/v1/runs/r-1/logs?stream=stdout&follow=true&offset=0",
                      "http://cp:1/v1/runs/r-1", // refused
                      "http://cp:1/v1/runs/r-1", // the server is back
                      "http://cp:1/v1/runs/r-1/logs?stream=stdout&follow=true&offset=2",
                      "http://cp:1/v1/runs/r-1",
                      "http://cp:1/v1/runs/r-1/logs?stream=stdout&follow=true&offset=4",
                      "http://cp:1/v1/runs/r-1",
                      "http://cp:1/v1/runs/r-1/logs?stream=stdout&offset=5",
                  });
    CHECK(f.sleeps.size() == 3); // after the cut, the refused call and the early end
  }

  TEST_CASE("A followed log ended by a stopping server gets what the run wrote before the state was read") {
    // The stream ends with the old server; the run writes "cd" and ends; the state comes from
    // the next server (the first call is refused, the retry answers).
    Fixture f;
    f.transport->answers = {answer(200, "ab"), answer(0), answer(200, R"({"state": "failed"})"), answer(200, "cd")};
    const std::string got = followed(f.client);
    CHECK(got == "abcd");
    CHECK(f.transport->requests.back().url == "http://cp:1/v1/runs/r-1/logs?stream=stdout&offset=2");
  }

  TEST_CASE("A followed log whose last read is cut reads the rest once the server answers again") {
    Fixture f;
    const HttpResponse succeeded = answer(200, R"({"state": "succeeded"})");
    f.transport->answers = {answer(200, "ab"), succeeded, answer(-1, "c"), succeeded, answer(200, "d")};
    const std::string got = followed(f.client);
    CHECK(got == "abcd");
    CHECK(f.transport->requests.back().url == "http://cp:1/v1/runs/r-1/logs?stream=stdout&offset=3");
  }

  // A client that tries each call once, with a window of `reconnect`, recording its notes.
  struct FollowFixture {
    std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
    std::vector<std::pair<bool, std::string>> notes;
    ApiClient client;
    explicit FollowFixture(std::chrono::milliseconds reconnect) : client(config(reconnect), transport, [](auto) {}) {}
    ApiConfig config(std::chrono::milliseconds reconnect) {
      ApiConfig c{"http://cp:1", "tok", 1, std::chrono::milliseconds(100), {}};
      c.follow_reconnect = reconnect;
      c.follow_note = [this](bool waiting, const std::string& text) { notes.emplace_back(waiting, text); };
      return c;
    }
  };

  TEST_CASE("A followed log's wait for the server counts from the cut, however long it followed") {
    FollowFixture f(std::chrono::milliseconds(500));
    f.transport->answers = {answer(-1, "ab"), answer(0), answer(200, R"({"state": "running"})"), answer(200, "c"),
                            answer(200, R"({"state": "succeeded"})"), answer(200, "")};
    std::string got;
    f.client.logs("r-1", "stdout", true, [&](std::string_view data) {
      if (got.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(600)); // followed longer than the window
      got += data;
      return true;
    });
    CHECK(got == "abc");
    REQUIRE(f.notes.size() == 2);
    CHECK(f.notes[0].first);
    CHECK(f.notes[0].second == "cannot reach the control plane at http://cp:1 (is `gpurun serve` running?); waiting up "
                               "to 500ms for it to answer again");
    CHECK_FALSE(f.notes[1].first);
    CHECK(f.notes[1].second == "the control plane at http://cp:1 answers again");
  }

  TEST_CASE("A followed log with nothing to say knows the server is back: the next cut has its whole window") {
    // After the first cut the server answers but the stream stays quiet past the window, then
    // is cut again.
    FollowFixture f(std::chrono::milliseconds(500));
    const HttpResponse running = answer(200, R"({"state": "running"})");
    f.transport->answers = {answer(-1, "ab"), running, answer(-1, ""), running, answer(200, "c"),
                            answer(200, R"({"state": "succeeded"})"), answer(200, "")};
    std::string got;
    f.client.logs("r-1", "stdout", true, [&](std::string_view data) {
      if (data.empty() && got.size() == 2) std::this_thread::sleep_for(std::chrono::milliseconds(600));
      got += data;
      return true;
    });
    CHECK(got == "abc");
    CHECK(f.notes.size() == 4); // lost, back, lost, back
  }

  TEST_CASE("A followed log ends with the reason the server cannot be brought back") {
    FollowFixture f(std::chrono::milliseconds(60'000));
    ApiConfig config = f.config(std::chrono::milliseconds(60'000));
    config.endpoint_now = []() -> std::string { throw Error("the local control plane exited as it started: x", ErrorKind::unreachable); };
    ApiClient client(config, f.transport, [](auto) {});
    f.transport->answers = {answer(-1, "ab")};
    CHECK_THROWS_WITH(client.logs("r-1", "stdout", true, [](std::string_view) { return true; }),
                      "the local control plane exited as it started: x");
  }

  TEST_CASE("A followed log gives up once the server stays away past follow_reconnect") {
    auto transport = std::make_shared<ScriptedTransport>();
    ApiConfig config{"http://cp:1", "tok", 4, std::chrono::milliseconds(100), {}};
    config.follow_reconnect = std::chrono::milliseconds(0);
    ApiClient client(config, transport, [](std::chrono::milliseconds) {});
    transport->answers = {answer(-1, "ab")};
    CHECK_THROWS_AS(client.logs("r-1", "stdout", true, [](std::string_view) { return true; }), Error);
    CHECK(transport->answers.empty());
  }
}
