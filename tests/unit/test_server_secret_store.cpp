#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "server/secret_store.hpp"

using namespace gpurun::server;

namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() / ("gpurun-secrets-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    std::filesystem::remove_all(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  static inline int counter = 0;
};

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_mode & 0777;
}

} // namespace

TEST_SUITE("SecretStore") {
  TEST_CASE("Set, read, list and remove; files are 0600 in a 0700 folder") {
    TempDir dir;
    SecretStore store((dir.path / "secrets").string());
    CHECK(store.set("hf", {{"HF_TOKEN", "v1"}, {"OTHER", "v2"}}));
    CHECK_FALSE(store.set("hf", {{"HF_TOKEN", "v3"}})); // replaced, not merged
    CHECK(store.values("hf") == std::map<std::string, std::string>{{"HF_TOKEN", "v3"}});
    REQUIRE(store.info("hf"));
    CHECK(store.info("hf")->keys == std::vector<std::string>{"HF_TOKEN"});
    CHECK(mode_of(dir.path / "secrets") == 0700);
    CHECK(mode_of(dir.path / "secrets" / "hf.json") == 0600);
    CHECK(store.list().size() == 1);
    CHECK(store.remove("hf"));
    CHECK_FALSE(store.remove("hf"));
    CHECK_FALSE(store.values("hf"));
  }

  TEST_CASE("Bad names, keys and values are refused without showing a value") {
    TempDir dir;
    SecretStore store(dir.path.string());
    CHECK_THROWS_WITH_AS(store.set("../x", {{"A", "v"}}), doctest::Contains("secret name '../x' must be"), gpurun::Error);
    CHECK_THROWS_WITH_AS(store.set("s", {{"1A", "hunter2"}}),
                         "secret key '1A' is not an environment variable name (letters, digits and '_', not starting with a digit)",
                         gpurun::Error);
    CHECK_THROWS_WITH_AS(store.set("s", {{"A", std::string("hun\0ter2", 8)}}),
                         "the value of A contains a NUL byte, which an environment variable cannot hold", gpurun::Error);
    CHECK_THROWS_WITH_AS(store.set("s", {}), "secret 's' needs at least one KEY=VALUE", gpurun::Error);
    CHECK_FALSE(store.info("../x"));
  }
}
