#include <doctest/doctest.h>

#include <fstream>
#include <map>

#include "cli/settings.hpp"
#include "core/error.hpp"
#include "server_fakes.hpp"

using namespace gpurun;
using namespace gpurun::cli;

namespace {

struct Fixture {
  testing::TempDir dir;
  std::map<std::string, std::string> env;

  Fixture() {
    env["HOME"] = dir / "home";
    env["XDG_CONFIG_HOME"] = dir / "config";
    env["XDG_STATE_HOME"] = dir / "state";
    std::filesystem::create_directories(dir.path / "config" / "gpurun");
    write("config/gpurun/config.yaml", "default_profile: lab\n"
                                      "profiles:\n"
                                      "  lab:\n"
                                      "    endpoint: http://lab:8080\n"
                                      "    token_file: lab.token\n"
                                      "  ci:\n"
                                      "    endpoint: https://ci.example.com\n"
                                      "    output: json\n"
                                      "  local: {}\n");
    write("config/gpurun/lab.token", "lab-secret\n");
  }

  void write(const std::string& name, const std::string& text) const { std::ofstream(dir / name) << text; }

  Settings settings() {
    return Settings([this](const std::string& name) -> std::optional<std::string> {
      auto it = env.find(name);
      if (it == env.end()) return std::nullopt;
      return it->second;
    });
  }
};

std::string error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST_SUITE("Settings") {
  TEST_CASE("The profile named by default_profile applies when nothing else chooses one") {
    Fixture f;
    Settings s = f.settings();
    CHECK(s.profile().value == "lab");
    CHECK(s.profile().source == "default_profile of " + (f.dir / "config/gpurun/config.yaml"));
    CHECK(s.endpoint().value == "http://lab:8080");
    CHECK(s.endpoint().source == "profile lab");
    CHECK(s.token_file().value == f.dir / "config/gpurun/lab.token");
    CHECK(s.token() == "lab-secret");
    CHECK(s.output().value == "text");
    CHECK(s.output().source == "default");
  }

  TEST_CASE("Flag, then environment, then profile, then default") {
    Fixture f;
    f.env["GPURUN_PROFILE"] = "ci";
    f.env["GPURUN_ENDPOINT"] = "http://env:1/";
    Settings s = f.settings();
    CHECK(s.profile().value == "ci");
    CHECK(s.profile().source == "env GPURUN_PROFILE");
    CHECK(s.endpoint().value == "http://env:1");
    CHECK(s.endpoint().source == "env GPURUN_ENDPOINT");
    CHECK(s.output().value == "json");
    CHECK(s.output().source == "profile ci");
    CHECK(s.output("text").source == "flag --output");

    Settings flagged = f.settings();
    flagged.flags.profile = "local";
    flagged.flags.endpoint = "https://flag";
    CHECK(flagged.profile().source == "flag --profile");
    CHECK(flagged.endpoint().value == "https://flag");
    CHECK(flagged.endpoint().source == "flag --endpoint");

    f.env["GPURUN_OUTPUT"] = "github";
    CHECK(f.settings().output().source == "env GPURUN_OUTPUT");
  }

  TEST_CASE("The local control plane: its state folder and token file by default") {
    Fixture f;
    Settings s = f.settings();
    s.flags.profile = "local";
    CHECK(s.endpoint().value == "");
    CHECK(s.endpoint().source == "default");
    CHECK(s.state().value == f.dir / "state/gpurun");
    CHECK(s.token_file().value == f.dir / "state/gpurun/token");
    CHECK(s.token() == ""); // not written until the server starts
    f.env["GPURUN_STATE"] = f.dir / "elsewhere";
    CHECK(f.settings().state().source == "env GPURUN_STATE");
  }

  TEST_CASE("Tokens: the variable or a file, never both") {
    Fixture f;
    f.env["GPURUN_TOKEN"] = "from-env";
    CHECK(f.settings().token() == "from-env");
    CHECK(f.settings().token_file().source == "env GPURUN_TOKEN");
    f.env["GPURUN_TOKEN_FILE"] = f.dir / "config/gpurun/lab.token";
    CHECK(error_of([&] { f.settings().token(); }) == "GPURUN_TOKEN and GPURUN_TOKEN_FILE are both set; set only one");
    f.env.erase("GPURUN_TOKEN");
    CHECK(f.settings().token() == "lab-secret");
    Settings s = f.settings();
    s.flags.token_file = f.dir / "missing.token";
    CHECK(error_of([&] { s.token(); }) == "cannot read the token file " + (f.dir / "missing.token") +
                                             " (flag --token-file): No such file or directory");
  }

  TEST_CASE("Unknown profiles and bad values are errors that say where they came from") {
    Fixture f;
    f.env["GPURUN_PROFILE"] = "cj";
    CHECK(error_of([&] { f.settings().profile(); }) ==
          "no profile 'cj' (env GPURUN_PROFILE) in " + (f.dir / "config/gpurun/config.yaml") + "; did you mean 'ci'?");
    f.env.erase("GPURUN_PROFILE");
    f.env["GPURUN_ENDPOINT"] = "localhost:8080";
    CHECK(error_of([&] { f.settings().endpoint(); }) ==
          "env GPURUN_ENDPOINT: expected an http:// or https:// URL, got 'localhost:8080'");
    f.env["GPURUN_OUTPUT"] = "yaml";
    CHECK(error_of([&] { f.settings().output(); }) == "GPURUN_OUTPUT: expected text, json or github, got 'yaml'");
  }

  TEST_CASE("Without a configuration file there are no profiles; an explicit one must exist") {
    Fixture f;
    f.env["XDG_CONFIG_HOME"] = f.dir / "empty";
    CHECK(f.settings().profile().value == "");
    CHECK(f.settings().endpoint().value == "");
    f.env["GPURUN_PROFILE"] = "ci";
    CHECK(error_of([&] { f.settings().profile(); }) ==
          "no profile 'ci' (env GPURUN_PROFILE): " + (f.dir / "empty/gpurun/config.yaml") + " does not exist");
    Settings s = f.settings();
    s.flags.config = f.dir / "nope.yaml";
    CHECK(error_of([&] { s.config_file(); }) ==
          "the configuration file " + (f.dir / "nope.yaml") + " (flag --config) does not exist");
  }
}
