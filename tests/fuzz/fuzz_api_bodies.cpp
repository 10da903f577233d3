// libFuzzer target: every JSON body the control plane accepts, through the API's own routing and
// handlers (server/api.hpp) with a real store and a fake executor. The first byte of an input picks
// the route, the rest is the body:
//   '0' PUT /v1/apps/fuzz (a manifest)       '1' POST /v1/plan (a manifest)
//   '2' POST .../functions/f/runs ({"args"})  '3' PUT /v1/secrets/s ({"values"})
//   '4' GET /v1/runs with the body as its query string
// Whatever the body, the answer is a JSON document and never a 5xx: a 5xx would be a request the
// server failed to judge.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "core/inventory.hpp"
#include "fuzz_check.hpp"
#include "server/api.hpp"
#include "server/secret_store.hpp"
#include "server_fakes.hpp"

using namespace gpurun;
using namespace gpurun::server;

namespace {

// The state lives on a RAM file system when there is one: the store fsyncs every commit.
std::filesystem::path state_dir() {
  std::filesystem::path base = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : std::filesystem::temp_directory_path();
  std::filesystem::path dir = base / ("gpurun-fuzz-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

struct Fixture {
  std::filesystem::path dir = state_dir();
  Store store{(dir / "state.db").string()};
  SecretStore secrets{(dir / "secrets").string()};
  testing::FakeExecutor executor;
  Scheduler scheduler{store, executor, SchedulerOptions{(dir / "runs").string(), std::chrono::milliseconds(10)}};
  Api api{store, scheduler, ApiOptions{"", "fuzz", std::chrono::milliseconds(1)}};

  Fixture() {
    executor.base = *core::load_inventory_text("nodes: [{name: a, gpus: {H100: 1}}]", "inv").inventory;
    scheduler.start(false); // no thread: queued runs stay queued, so the fuzzer stays deterministic
    api.set_secrets(&secrets);
    ApiResponse deployed = call("PUT", "/v1/apps/fixed", R"({"functions": {"f": {"command": ["true"], "gpu": "H100"}}})");
    FUZZ_CHECK(deployed.status == 201);
  }
  ~Fixture() { std::filesystem::remove_all(dir); }

  ApiResponse call(const std::string& method, const std::string& path, std::string body) {
    ApiRequest request;
    request.method = method;
    request.path = path;
    request.body = std::move(body);
    return api.handle(std::move(request));
  }
};

Fixture& fixture() {
  static Fixture s;
  return s;
}

void add_query(ApiRequest& request, const std::string& text) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('&', start);
    if (end == std::string::npos) end = text.size();
    std::string pair = text.substr(start, end - start);
    size_t eq = pair.find('=');
    request.query.try_emplace(pair.substr(0, eq), eq == std::string::npos ? "" : pair.substr(eq + 1));
    start = end + 1;
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  Fixture& s = fixture();
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  struct Route {
    const char* method;
    const char* path;
  };
  static constexpr Route k_routes[] = {{"PUT", "/v1/apps/fuzz"},
                                       {"POST", "/v1/plan"},
                                       {"POST", "/v1/apps/fixed/functions/f/runs"},
                                       {"PUT", "/v1/secrets/s"},
                                       {"GET", "/v1/runs"}};
  const Route& route = k_routes[data[0] % 5];
  ApiRequest request;
  request.method = route.method;
  request.path = route.path;
  if (request.method == "GET") add_query(request, body);
  else request.body = body;
  request.headers["idempotency-key"] = "fuzz-" + std::to_string(size % 7);
  ApiResponse response = s.api.handle(std::move(request));
  FUZZ_CHECK(response.status >= 200 && response.status < 500);
  FUZZ_CHECK(!nlohmann::json::parse(response.body, nullptr, false).is_discarded());
  return 0;
}
