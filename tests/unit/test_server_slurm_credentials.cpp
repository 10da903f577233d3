#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <unistd.h>

#include "core/error.hpp"
#include "server/slurm/credentials.hpp"
#include "slurm_test_tokens.hpp"

using namespace gpurun::server::slurm;

TEST_SUITE("Credentials") {
  TEST_CASE("The expiry is read from the token's exp claim") {
    auto token = gpurun::test::test_jwt(3600);
    auto exp = jwt_expiry(token);
    REQUIRE(exp.has_value());
    auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    CHECK(*exp > now + 3500);
    CHECK_FALSE(jwt_expiry("not-a-token").has_value());
    CHECK_FALSE(jwt_expiry("a.!!!.c").has_value());
    CHECK_FALSE(jwt_expiry(gpurun::test::base64url("{}") + "." + gpurun::test::base64url("{\"sun\":\"x\"}") + ".s").has_value());
  }

  TEST_CASE("A fixed token needs a user and a token") {
    Credentials credentials("root", " tok \n");
    CHECK(credentials.token() == "tok");
    CHECK(credentials.source() == "SLURM_JWT");
    CHECK_THROWS_WITH_AS(Credentials("", "tok"), "the Slurm user name is empty (--slurm-user)", gpurun::Error);
    CHECK_THROWS_WITH_AS(Credentials("root", ""), "no Slurm token: set SLURM_JWT or pass --slurm-token-file", gpurun::Error);
  }

  TEST_CASE("A token file is read as scontrol prints it, and again when it changes") {
    auto path = std::filesystem::temp_directory_path() / ("gpurun-test-token-" + std::to_string(::getpid()));
    std::ofstream(path) << "SLURM_JWT=first\n";
    Credentials credentials("root", "ignored", path);
    CHECK(credentials.token() == "first");
    std::ofstream(path) << "second\n";
    std::filesystem::last_write_time(path, std::filesystem::last_write_time(path) + std::chrono::seconds(2));
    CHECK(credentials.token() == "second");
    CHECK(credentials.source() == path.string());
    std::filesystem::remove(path);
    CHECK(credentials.token() == "second"); // the last good token while the file is replaced
  }

  TEST_CASE("A missing or empty token file is refused") {
    auto path = std::filesystem::temp_directory_path() / ("gpurun-test-token-empty-" + std::to_string(::getpid()));
    std::ofstream(path) << "\n";
    CHECK_THROWS_WITH_AS(Credentials("root", "", path), ("the Slurm token file " + path.string() + " is empty").c_str(), gpurun::Error);
    std::filesystem::remove(path);
    CHECK_THROWS_AS(Credentials("root", "", path), gpurun::Error);
  }
}
